/* engine_error_t (engine.h): in a file of its own, because every engine fills it, the OP-TEE agent's too. */
#include "engine.h"

void engine_error_set(engine_error_t *err, uint16_t code, const char *message, uint64_t need, uint64_t have,
                      int has_facts)
{
    err->code = code;
    err->message = message;
    err->need = need;
    err->have = have;
    err->has_facts = has_facts;
}

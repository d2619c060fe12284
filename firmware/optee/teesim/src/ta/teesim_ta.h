/* What the TA-side pieces of teesim (the runner, heap, storage, crypto) share. Not for TAs. */
#ifndef TEESIM_TA_H
#define TEESIM_TA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_internal_api.h>

/* From user_ta_header_defines.h, compiled into each runner by teesim_add_ta() (ta_props.c). */
struct teesim_ta_props {
	TEE_UUID uuid;
	uint32_t flags;
	size_t data_size;
	size_t stack_size;
};
extern const struct teesim_ta_props teesim_ta_props;

/* The TA's heap: TA_DATA_SIZE, or less when TEESIM_TA_HEAP_BYTES asks for less (a TA built with a smaller heap, for
 * tests of what does not fit; it never raises the heap). What gpd.ta.dataSize reads and the heap's cap. */
size_t teesim_ta_data_size(void);

/* A TA panic, or a teesim-detected misuse that OP-TEE answers with a panic: the process ends and the
 * normal world sees TEEC_ERROR_TARGET_DEAD. */
#define TEESIM_PANIC_STATUS 101
void teesim_heap_init(size_t cap);

/* TEE_CheckMemoryAccessRights asks whether a range lies in memory the normal world shares. */
bool teesim_runner_range_is_shared(const void *buffer, size_t size);

/* Persistent storage root for this TA: <TEESIM_STORAGE_DIR>/<uuid>. */
const char *teesim_storage_dir(void);

/* Panic with a reason on stderr (what OP-TEE would log from the TA or the core). */
void teesim_panic_msg(TEE_Result code, const char *why) __attribute__((noreturn));

#endif

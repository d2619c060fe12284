/* The host's side of the agent tests: start rtinfer-agent, read its startup line, talk protocol v1 over its
 * pty (frames from firmware/tests/test_util), push a container the way SPEC §4.3 says, stop it. */
#ifndef RTINFER_AGENT_HOST_H
#define RTINFER_AGENT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "test_util.h"

typedef struct agent_proc agent_proc;

/* How the host reaches the agent: its pty (frames), or MQTT (agent_mqtt_host.c). */
typedef struct {
    void (*send)(agent_proc *a, const uint8_t *msg, size_t len);
    /* Messages received within timeout_ms, decoded into out (up to max); 0 if none came. */
    size_t (*receive)(agent_proc *a, int timeout_ms, tu_rx_t *out, size_t max);
} agent_link;

struct agent_proc {
    pid_t pid;
    const agent_link *link;
    void *link_state;
    int fd;                /* the pty slave, raw */
    char pty[256];
    char key_sha256_hex[65]; /* from the startup line */
    unsigned long tee_heap;
    uint16_t seq;
    uint32_t seen[64]; /* ids of every message received, in order (the last 64) */
    uint32_t seen_count;
    char last_log[201];    /* the text of the last LOG line received (NUL-terminated), "" before any */
    uint32_t log_count;    /* LOG lines received */
    tu_host_t host;
};

/* The pty link (frames over the slave). */
extern const agent_link agent_pty_link;

/* Starts `bin` with the NULL-terminated extra args, waits for its startup line, opens its pty and, on the pty
 * link, exchanges HELLO (max_frame 4096). Returns 0, or -1 (the agent did not start). */
int agent_start(agent_proc *a, const char *bin, const char *const *args);

/* HELLO with max_frame 4096 (id 1): 0 once answered. */
int agent_hello(agent_proc *a);

/* SIGTERM and wait; returns the exit status (-1 if it did not exit within 10 s: then SIGKILL). */
int agent_stop(agent_proc *a);

/* Sends m and waits for the message answering it (its id; the reply type or ERROR). NULL on timeout. The result
 * stays valid until the next call. */
const tu_rx_t *agent_request(agent_proc *a, const rtp_msg_t *m);

/* Pushes `bytes` into `slot` (MODEL_BEGIN, windowed chunks, MODEL_COMMIT with activate) and returns the
 * commit's answer: MODEL_STATUS, or an ERROR (of the begin, or of the commit). NULL on timeout. */
const tu_rx_t *agent_push(agent_proc *a, const uint8_t *bytes, size_t length, uint8_t slot, const char *model_id);

/* How agent_push_with pushes (zero: as agent_push does). */
typedef struct {
    bool header_form;              /* SPEC §4.3's header form: MODEL_BEGIN names the sealed header's SHA-256, MODEL_COMMIT
                                    * carries the file's */
    uint32_t stop_at;              /* non-zero: send no chunk at or past this offset, and return the last ACK (a cut) */
    const uint8_t *commit_sha256;  /* header form: what MODEL_COMMIT carries instead of the file's SHA-256 */
    bool commit_without_sha;       /* header form: a MODEL_COMMIT without sha256 */
    uint32_t begun_at;             /* out: MODEL_BEGIN's `next` (where the push resumed) */
} agent_push_opts;

const tu_rx_t *agent_push_with(agent_proc *a, const uint8_t *bytes, size_t length, uint8_t slot, const char *model_id,
                               agent_push_opts *opts);

/* Sends an encoded message as it is (one a test could not encode: a codec refusal) and waits for the answer to
 * `id`: the reply to `type`, or ERROR. */
const tu_rx_t *agent_request_raw(agent_proc *a, const uint8_t *msg, size_t len, uint8_t type, uint32_t id);

#endif

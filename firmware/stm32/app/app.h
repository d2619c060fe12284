/*
 * rtinfer device firmware: the portable app (SPEC §3.4, §4.1, §4.2).
 *
 * Depends only on port.h and protocol/c. A board calls app_run() from its
 * main(); hosted tests may drive app_init()/app_poll() themselves.
 * All state is static; nothing is allocated.
 */
#ifndef RTINFER_APP_H
#define RTINFER_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp/frame.h"

/* Firmware version reported in HELLO. */
#ifndef RTINFER_FW_VERSION
#define RTINFER_FW_VERSION "0.1.0"
#endif

/* Largest max_frame this build can advertise: sizes the static RX/TX
 * buffers. Boards with little RAM keep the default; the POSIX sim builds
 * with 65535 so that --max-frame can go up to the protocol's limit. */
#ifndef RTINFER_MAX_FRAME_CAP
#define RTINFER_MAX_FRAME_CAP 4096u
#endif

/* max_frame advertised when the board does not choose one. */
#define APP_MAX_FRAME_DEFAULT 4096u

/* Protocol versions this firmware speaks. */
#define APP_PROTO_MIN 1u
#define APP_PROTO_MAX 1u

/* HELLO caps bits (SPEC §4.1); only implemented ones are ever reported. */
#define APP_CAP_MODEL_STORE (1u << 0)
#define APP_CAP_DENSE (1u << 1)
#define APP_CAP_TREC (1u << 2)
#define APP_CAP_TASKSETS (1u << 3)
#define APP_CAP_TRACE (1u << 4)
#define APP_CAP_TEE (1u << 5)
#define APP_CAP_INT8 (1u << 6) /* int8 models (CONTAINER.md §8) run in int8 */
/* What this firmware implements. */
#define APP_CAPS (APP_CAP_MODEL_STORE | APP_CAP_DENSE | APP_CAP_TREC | APP_CAP_TASKSETS | APP_CAP_TRACE | APP_CAP_INT8)

/* Working memory available to inference (HELLO `ram`): the engine's static
 * pool (engine.h) for the model's weights, activations and scratch. Each
 * board sets it to what its SRAM has left; the default suits a small MCU. */
#ifndef RTINFER_NN_ARENA_BYTES
#define RTINFER_NN_ARENA_BYTES (64u * 1024u)
#endif

typedef struct {
    /* max_frame to advertise, in [256, RTINFER_MAX_FRAME_CAP]; 0 = default
     * (min(APP_MAX_FRAME_DEFAULT, RTINFER_MAX_FRAME_CAP)). */
    uint16_t max_frame;
    /* Inference memory to use (HELLO `ram`), at most RTINFER_NN_ARENA_BYTES;
     * 0 = all of it. Lets the sim act like a board with less SRAM. */
    uint32_t nn_ram;
} app_config_t;

/* Clamps a requested max_frame as app_init() will (0 -> default). */
uint16_t app_effective_max_frame(uint16_t requested);

/* (Re)initialises all app state as at power-on: counters, sequence, BOOT
 * flag, boot_id (bumps the persisted boot counter), then sends the boot
 * HELLO (id 0, BOOT flag). */
void app_init(const app_config_t *cfg);

/* Handles every byte the UART has ready now, replying as needed. Never
 * waits. Returns the number of frames handled. */
unsigned app_poll(void);

/* app_init(), then app_poll()/port_idle() until port_idle() returns false. */
void app_run(const app_config_t *cfg);

/* ---- observability (tests, diagnostics) ---- */

/* The receive counters in PING order: frames_ok, cobs, short, crc,
 * oversize, version, lost, malformed, unsupported. Returns how many (9). */
#define APP_COUNTERS_N 9u
unsigned app_counters(uint64_t out[APP_COUNTERS_N]);

/* boot_id of this boot, as reported in HELLO. */
uint32_t app_boot_id(void);

#endif

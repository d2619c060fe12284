/*
 * Model slots in flash (SPEC §4.3), kept so that a reset at any moment leaves
 * the device on the old model or the new verified one, never a half-written
 * one. Each slot ends in a trailer, erased together with the slot's data:
 *
 *   +0    header: magic, size, model id, SHA-256, CRC-32C of the header (the magic
 *         says which SHA-256: the whole file's, or a sealed stream's header's,
 *         SPEC §4.3's header form, whose file SHA-256 comes with the commit)
 *   +128  verified marker (0xFF no, 0x00 yes), cleared once the SHA matched
 *   +160  generation and its complement, programmed to activate the slot
 *   +192  progress bitmap: bit b cleared once data block b is stored
 *
 * The active slot is the verified slot with the highest valid generation.
 * Activating programs a generation one above every other slot's: a single
 * small program, and a torn one fails its complement check, so the previous
 * slot stays active. Nothing erases a slot while it is active. Field offsets
 * are 32-byte aligned so that boards with up to 32-byte flash words can
 * program each field on its own.
 */
#ifndef RTINFER_APP_MODEL_STORE_H
#define RTINFER_APP_MODEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/messages.h"

/* Transfers move whole blocks: the unit of the progress bitmap, and the unit
 * an agreed chunk size is a multiple of. */
#define MODEL_BLOCK_BYTES 1024u
#define MODEL_ID_MAX 64u

typedef enum {
    MODEL_OK = 0,
    MODEL_ERR_NO_SLOT = -1,      /* no such slot */
    MODEL_ERR_ACTIVE = -2,       /* the slot holds the active model */
    MODEL_ERR_NO_SPACE = -3,     /* larger than the slot's capacity */
    MODEL_ERR_NO_TRANSFER = -4,  /* the slot has no transfer in progress */
    MODEL_ERR_ALIGN = -5,        /* offset or length not on block boundaries */
    MODEL_ERR_RANGE = -6,        /* beyond the container's size */
    MODEL_ERR_INCOMPLETE = -7,   /* commit before every block arrived */
    MODEL_ERR_HASH = -8,         /* the SHA-256 differs (slot erased) */
    MODEL_ERR_STORAGE = -9,      /* the flash refused an erase or program */
    MODEL_ERR_NEED_SHA = -10,    /* a header-form slot committed without the file's SHA-256 */
} model_err_t;

typedef struct {
    uint8_t slot;
    uint8_t state; /* RTP_SLOT_* */
    uint8_t id_len;
    char model_id[MODEL_ID_MAX];
    uint32_t size;
    bool sha256_known;   /* always, but for a header-form slot not yet verified */
    uint8_t sha256[32];  /* the whole file's */
    bool header_form;    /* begun with a sealed stream's header SHA-256 (SPEC §4.3) */
    uint8_t header_sha256[32];
    uint32_t received; /* contiguous bytes stored from 0 */
    uint32_t generation; /* 0 unless activated */
} model_slot_info_t;

/* Scans the storage map; call once at boot. */
void model_store_init(void);

uint8_t model_store_slot_count(void);

/* Bytes a container may have in any slot (the smallest slot's data region). */
uint32_t model_store_capacity(void);

/* The active slot, or -1. */
int model_store_active(void);

int model_store_info(uint8_t slot, model_slot_info_t *out);

/* Prepares `slot` for this container. If it already holds (part of) the same
 * container, keeps it and reports how much is stored; otherwise erases it
 * and writes a new header. *next = contiguous bytes already stored. */
int model_store_begin(uint8_t slot, const char *model_id, size_t id_len, uint32_t size,
                      const uint8_t sha256[32], uint32_t *next);

/* The same, identified by either the file's SHA-256 or (header_form) a sealed stream's header SHA-256: the
 * same container is the same model id, size, form and SHA-256. */
int model_store_begin_form(uint8_t slot, const char *model_id, size_t id_len, uint32_t size,
                           const uint8_t sha256[32], bool header_form, uint32_t *next);

/* Stores data at offset (a block boundary; len a multiple of the block,
 * unless the data ends the container). Blocks already stored are skipped.
 * *was_duplicate says whether every block was already there. */
int model_store_write(uint8_t slot, uint32_t offset, const uint8_t *data, size_t len,
                      bool *was_duplicate);

/* Contiguous bytes stored from 0, and up to `max_ranges` stored ranges
 * beyond that ([offset, length] pairs, ascending). */
uint32_t model_store_progress(uint8_t slot, uint32_t ranges[][2], uint8_t max_ranges,
                              uint8_t *range_count);

/* Verifies the SHA-256 and marks the slot verified; then, if asked, active. */
int model_store_commit(uint8_t slot, bool activate);

/* The same, against the file's SHA-256 the commit carries (NULL: none). A header-form slot needs it
 * (MODEL_ERR_NEED_SHA); a slot begun with the file's SHA-256 takes only that one. A mismatch erases the slot,
 * unless it is the active one, and is MODEL_ERR_HASH. */
int model_store_commit_sha(uint8_t slot, bool activate, const uint8_t *file_sha256);

/* Reads container bytes of a slot (for inference). */
int model_store_read(uint8_t slot, uint32_t offset, void *buf, uint32_t len);

#endif

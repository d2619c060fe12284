/* MODEL_BEGIN, MODEL_CHUNK, MODEL_COMMIT and MODEL_STATUS (SPEC §4.3): the
 * device side of a windowed transfer into a model slot. Chunks go straight to
 * flash, so the window is not bounded by RAM; the store keeps every byte's
 * fate in flash, so a reset at any point leaves a resumable transfer. */
#include <string.h>

#include "engine.h"
#include "handlers.h"
#include "link.h"
#include "model_store.h"
#include "reply.h"

/* Chunks the host may have in flight beyond `next`. It costs no RAM: each
 * chunk goes to flash as its frame arrives (the UART ring and the frame buffer
 * hold one frame, whatever the window), and the flash bitmap remembers which
 * blocks are stored. It is large so that a hole at `next` does not stop the
 * host while the hole is repaired: on a line that corrupts one 1 KiB frame in
 * ten, 16 chunks held ~1.6 holes and stalled the line after most of them.
 * Beyond 8 holes the ACK cannot list them all (SPEC §4.3), which only delays
 * the host's view of them. */
#ifndef RTINFER_TRANSFER_WINDOW
#define RTINFER_TRANSFER_WINDOW 64u
#endif

/* Whether MODEL_BEGIN may name a sealed stream by its header SHA-256 (SPEC §4.3's header form, TEE devices: the
 * Pi's agent). Without it a device needs the file's SHA-256 at MODEL_BEGIN and refuses the header form. */
#ifndef RTINFER_MODEL_HEADER_FORM
#define RTINFER_MODEL_HEADER_FORM 0
#endif

/* Bytes of a MODEL_CHUNK message besides its data, at most: array, type, id 0,
 * map, slot, a u32 offset and a byte string header of up to 3 bytes. */
#define CHUNK_ENVELOPE_BYTES 20u

static struct {
    bool open;
    uint8_t slot;
    uint32_t size;
    uint16_t chunk;
    uint16_t window;
    uint32_t expected;       /* offset the next in-order chunk starts at */
    uint16_t since_ack;      /* in-order chunks since the last ACK */
    bool gap;                /* the last ACK reported ranges beyond `next`: a hole is open */
} s_transfer;

/* Immediate ACKs of chunks that fill a hole (RFC 5681 §4.2); only the push
 * bench turns them off, to measure what they are worth. */
static bool s_gap_fill_ack = true;

void model_transfer_set_gap_fill_ack(bool on)
{
    s_gap_fill_ack = on;
}

static model_slot_info_t s_info[RTP_MAX_SLOTS]; /* referenced by MODEL_STATUS until it is encoded */

void model_transfer_init(void)
{
    memset(&s_transfer, 0, sizeof s_transfer);
}

/* Sends MODEL_ACK with the store's progress; returns its `next`. */
static uint32_t send_ack(uint32_t id)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_MODEL_ACK, id);
    rtp_model_ack_t *ack = &m->body.model_ack;
    uint32_t ranges[RTP_MAX_SACK][2];
    uint8_t count = 0;
    ack->slot = s_transfer.slot;
    ack->next = model_store_progress(s_transfer.slot, ranges, RTP_MAX_SACK, &count);
    for (uint8_t i = 0; i < count; i++) {
        ack->sack[i].offset = ranges[i][0];
        ack->sack[i].length = ranges[i][1];
    }
    ack->has_sack = count > 0;
    ack->sack_count = count;
    ack->chunk = s_transfer.chunk;
    ack->window = s_transfer.window;
    s_transfer.since_ack = 0;
    s_transfer.gap = count > 0;
    s_transfer.expected = ack->next; /* in order from now on means: at what the store holds */
    (void)reply_send(m); /* bulk with id 0; the reply to MODEL_BEGIN goes on control (SPEC §2.1) */
    return ack->next;
}

/* In-order chunks per ACK: two, as TCP's delayed ACK, or one if the window is
 * smaller (the host must always be able to send the chunk that draws an ACK). */
static uint16_t ack_every(void)
{
    return s_transfer.window < 2u ? 1u : 2u;
}

/* The largest whole number of blocks that fits both the proposal and our frames. */
static uint16_t agree_chunk(uint16_t proposed)
{
    uint32_t fits = (uint32_t)link_own_max_frame() - RTP_FRAME_OVERHEAD - CHUNK_ENVELOPE_BYTES;
    uint32_t limit = proposed < fits ? proposed : fits;
    return (uint16_t)(limit / MODEL_BLOCK_BYTES * MODEL_BLOCK_BYTES);
}

/* The default target: the lowest slot that does not hold the active model. */
static int default_slot(void)
{
    int active = model_store_active();
    for (uint8_t n = 0; n < model_store_slot_count(); n++) {
        if ((int)n != active) {
            return n;
        }
    }
    return -1;
}

void model_begin_handle(const rtp_msg_t *req)
{
    const rtp_model_begin_t *b = &req->body.model_begin;
    if (b->has_header_sha256 && !RTINFER_MODEL_HEADER_FORM) {
        /* need = the key this device needs (sha256), have = the key it got (header_sha256) */
        reply_error_need_have(req->id, RTP_ERR_INVALID, "this device needs the file's sha256 (2), not header_sha256 (6)",
                              RTP_MSG_MODEL_BEGIN, 2, 6);
        return;
    }
    int slot = b->has_slot ? b->slot : default_slot();
    if (slot < 0 || slot >= model_store_slot_count()) {
        reply_error_need_have(req->id, RTP_ERR_OUT_OF_RANGE, "no such model slot", RTP_MSG_MODEL_BEGIN, (uint64_t)(slot < 0 ? 0 : slot),
                              model_store_slot_count());
        return;
    }
    uint16_t chunk = agree_chunk(b->chunk);
    if (chunk == 0) {
        reply_error_need_have(req->id, RTP_ERR_INVALID, "chunk size must be a multiple of the device's block", RTP_MSG_MODEL_BEGIN,
                              MODEL_BLOCK_BYTES, b->chunk);
        return;
    }
    if (b->size > model_store_capacity()) {
        /* Refused before any chunk moves, with the sizes (issue: never a half-written slot). */
        reply_error_need_have(req->id, RTP_ERR_NO_SPACE, "container does not fit a slot", RTP_MSG_MODEL_BEGIN, b->size,
                              model_store_capacity());
        return;
    }
    uint32_t next = 0;
    const uint8_t *identity = b->has_header_sha256 ? b->header_sha256.ptr : b->sha256.ptr;
    int err = model_store_begin_form((uint8_t)slot, b->model_id.ptr, b->model_id.len, b->size, identity,
                                     b->has_header_sha256, &next);
    if (err == MODEL_ERR_ACTIVE) {
        reply_error_need_have(req->id, RTP_ERR_BAD_STATE, "slot holds the active model; push to another slot", RTP_MSG_MODEL_BEGIN,
                              (uint64_t)slot, (uint64_t)model_store_active());
        return;
    }
    if (err != MODEL_OK) {
        reply_error(req->id, RTP_ERR_STORAGE, "flash erase or program failed", RTP_MSG_MODEL_BEGIN);
        return;
    }
    s_transfer.open = true;
    s_transfer.slot = (uint8_t)slot;
    s_transfer.size = b->size;
    s_transfer.chunk = chunk;
    s_transfer.window = b->window < RTINFER_TRANSFER_WINDOW ? b->window : RTINFER_TRANSFER_WINDOW;
    s_transfer.expected = next;
    (void)send_ack(req->id);
}

void model_chunk_handle(const rtp_msg_t *req)
{
    const rtp_model_chunk_t *c = &req->body.model_chunk;
    if (c->slot >= model_store_slot_count()) {
        reply_error_need_have(0, RTP_ERR_OUT_OF_RANGE, "no such model slot", RTP_MSG_MODEL_CHUNK, c->slot, model_store_slot_count());
        return;
    }
    if (!s_transfer.open || c->slot != s_transfer.slot) {
        /* SPEC §3.3: a chunk the device cannot place draws ERROR with id 0. */
        reply_error_need_have(0, RTP_ERR_BAD_STATE, "no transfer in progress for this slot", RTP_MSG_MODEL_CHUNK, c->slot,
                              s_transfer.open ? s_transfer.slot : 0xFFu);
        return;
    }
    if (c->data.len > s_transfer.chunk) {
        reply_error_need_have(0, RTP_ERR_TOO_LARGE, "chunk larger than agreed", RTP_MSG_MODEL_CHUNK, c->data.len, s_transfer.chunk);
        return;
    }
    bool duplicate = false;
    int err = model_store_write(s_transfer.slot, c->offset, c->data.ptr, c->data.len, &duplicate);
    if (err == MODEL_ERR_RANGE) {
        reply_error_need_have(0, RTP_ERR_OUT_OF_RANGE, "chunk beyond the container", RTP_MSG_MODEL_CHUNK, (uint64_t)c->offset + c->data.len,
                              s_transfer.size);
        return;
    }
    if (err == MODEL_ERR_ALIGN) {
        /* The facts point at what is wrong (SPEC §4.3): need = the offset if it is off a block
         * boundary, else the length; have = the block size both must be multiples of. */
        bool offset_wrong = c->offset % MODEL_BLOCK_BYTES != 0;
        reply_error_need_have(0, RTP_ERR_INVALID,
                              offset_wrong ? "chunk offset not on a block boundary" : "chunk length not whole blocks and not ending the container",
                              RTP_MSG_MODEL_CHUNK, offset_wrong ? c->offset : c->data.len, MODEL_BLOCK_BYTES);
        return;
    }
    if (err != MODEL_OK) {
        reply_error_need_have(0, err == MODEL_ERR_NO_TRANSFER ? RTP_ERR_BAD_STATE : RTP_ERR_STORAGE, "chunk not stored", RTP_MSG_MODEL_CHUNK,
                              c->offset, s_transfer.size);
        return;
    }
    bool in_order = c->offset == s_transfer.expected && !duplicate;
    if (in_order) {
        s_transfer.expected = c->offset + (uint32_t)c->data.len;
        s_transfer.since_ack++;
    }
    /* SPEC §4.3: ACK every second in-order chunk (RFC 1122's delayed ACK, and
     * the host's timers count on it), at once on a chunk out of order or
     * duplicated, on one that fills (part of) a hole (RFC 5681 §4.2: the host
     * is waiting on it with a full window), and at the end. */
    bool ended = s_transfer.expected >= s_transfer.size;
    bool fills_gap = in_order && s_transfer.gap && s_gap_fill_ack;
    if (!in_order || fills_gap || ended || s_transfer.since_ack >= ack_every()) {
        (void)send_ack(0);
    }
}

static void send_status(uint32_t id)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_MODEL_STATUS, id);
    rtp_model_status_t *st = &m->body.model_status;
    int active = model_store_active();
    st->has_active = active >= 0;
    st->active = active >= 0 ? (uint8_t)active : 0;
    st->slot_count = model_store_slot_count();
    for (uint8_t n = 0; n < st->slot_count; n++) {
        rtp_slot_entry_t *e = &st->slots[n];
        model_slot_info_t *info = &s_info[n];
        if (model_store_info(n, info) != MODEL_OK) {
            info->state = RTP_SLOT_EMPTY;
        }
        e->slot = n;
        e->state = info->state;
        if (info->state == RTP_SLOT_EMPTY) {
            continue;
        }
        e->has_model_id = true;
        e->model_id.ptr = info->model_id;
        e->model_id.len = info->id_len;
        e->has_size = true;
        e->size = info->size;
        e->has_sha256 = info->sha256_known;
        e->sha256.ptr = info->sha256;
        e->sha256.len = 32;
        e->has_header_sha256 = info->header_form;
        e->header_sha256.ptr = info->header_sha256;
        e->header_sha256.len = 32;
        e->has_received = true;
        e->received = info->received;
    }
    (void)reply_send(m);
}

void model_commit_handle(const rtp_msg_t *req)
{
    const rtp_model_commit_t *c = &req->body.model_commit;
    if (c->slot >= model_store_slot_count()) {
        reply_error_need_have(req->id, RTP_ERR_OUT_OF_RANGE, "no such model slot", RTP_MSG_MODEL_COMMIT, c->slot, model_store_slot_count());
        return;
    }
    bool activate = c->has_activate ? c->activate : true;
    /* Verified first, then offered to the engine, and only then activated: an engine that refuses the
     * container (a TA, CONTAINER.md §7.6) leaves the active slot as it was. */
    const uint8_t *file_sha = c->has_sha256 ? c->sha256.ptr : NULL;
    int err = model_store_commit_sha(c->slot, false, file_sha);
    engine_error_t refusal = {0};
    bool admitted = true;
    if (err == MODEL_OK && activate && (int)c->slot != model_store_active()) {
        admitted = engine_admit(c->slot, &refusal) != 0;
        if (admitted) {
            err = model_store_commit_sha(c->slot, true, file_sha);
        }
    }
    if (err == MODEL_ERR_INCOMPLETE) {
        model_slot_info_t info;
        (void)model_store_info(c->slot, &info);
        reply_error_need_have(req->id, RTP_ERR_BAD_STATE, "not every byte has arrived", RTP_MSG_MODEL_COMMIT, info.size, info.received);
        return;
    }
    if (err == MODEL_ERR_NEED_SHA) {
        /* need = the key wanted (sha256), have = 0: absent */
        reply_error_need_have(req->id, RTP_ERR_INVALID, "a slot begun with header_sha256 is committed with sha256 (2)",
                              RTP_MSG_MODEL_COMMIT, 2, 0);
        return;
    }
    if (err == MODEL_ERR_HASH) {
        bool kept = (int)c->slot == model_store_active();
        if (s_transfer.slot == c->slot && !kept) {
            s_transfer.open = false;
        }
        reply_error_need_have(req->id, RTP_ERR_HASH_MISMATCH, kept ? "SHA-256 differs from the active slot's; it stays active"
                                                                    : "SHA-256 differs; the slot was erased",
                              RTP_MSG_MODEL_COMMIT, c->slot, c->slot);
        return;
    }
    if (err == MODEL_ERR_NO_TRANSFER || err == MODEL_ERR_ACTIVE) {
        reply_error(req->id, RTP_ERR_BAD_STATE,
                    err == MODEL_ERR_ACTIVE ? "slot was activated too often; push it again" : "the slot holds no container",
                    RTP_MSG_MODEL_COMMIT);
        return;
    }
    if (err != MODEL_OK) {
        reply_error(req->id, RTP_ERR_STORAGE, "flash erase or program failed", RTP_MSG_MODEL_COMMIT);
        return;
    }
    if (s_transfer.slot == c->slot) {
        s_transfer.open = false;
    }
    if (!admitted) {
        reply_facts_t facts = {.type = RTP_MSG_MODEL_COMMIT, .has_need = refusal.has_facts != 0, .need = refusal.need,
                               .has_have = refusal.has_facts != 0, .have = refusal.have};
        reply_error_facts(req->id, refusal.code, refusal.message, &facts);
        return;
    }
    send_status(req->id);
}

void model_status_handle(const rtp_msg_t *req)
{
    send_status(req->id);
}

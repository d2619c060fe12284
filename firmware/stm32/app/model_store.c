/* Model slots in flash: see model_store.h for the layout and why it is safe. */
#include "model_store.h"

#include <string.h>

#include "port.h"
#include "rtp/crc32c.h"
#include "rtp/le.h"
#include "rtinfer_nn/sha256.h"

#define MAGIC 0x314d5452u /* "RTM1" little-endian */
/* "RTM2": the header's SHA-256 is a sealed stream's header SHA-256 (SPEC §4.3's header form), not the file's. */
#define MAGIC_HEADER_FORM 0x324d5452u

/* Trailer field offsets, 32-byte aligned (see the header). */
#define T_HEADER 0u
#define T_HEADER_BYTES (4u + 4u + 1u + MODEL_ID_MAX + 32u + 4u) /* magic size id_len id sha crc */
#define T_VERIFIED 128u
#define T_GENERATION 160u
#define T_BITMAP 192u
#define FIELD_BYTES 32u
#define GENERATION_ENTRIES 4u /* 4 × (u32 generation, u32 complement) = one field */

typedef struct {
    uint32_t base;     /* first byte of the slot */
    uint32_t capacity; /* data bytes; the trailer follows */
    uint32_t trailer;  /* address of the trailer */
    uint16_t first_sector;
    uint16_t sector_count;
} slot_geometry_t;

typedef struct {
    uint32_t size;
    uint8_t id_len;
    char id[MODEL_ID_MAX];
    uint8_t sha256[32];
    bool header_form;
} header_t;

static slot_geometry_t s_slots[RTP_MAX_SLOTS];
static uint8_t s_slot_count;
/* Scratch for programs and reads: one block, or a piece of the progress bitmap. */
static uint8_t s_block[MODEL_BLOCK_BYTES];
/* The file SHA-256 of a verified header-form slot: its header holds the stream header's, and the trailer has no
 * room for a second digest, so it is kept here (from the commit), and after a restart hashed again when asked. */
static struct {
    bool known;
    uint8_t sha256[32];
} s_file_sha[RTP_MAX_SLOTS];

static uint32_t write_unit(void)
{
    uint32_t wu = port_storage_map()->write_unit;
    return wu == 0 ? 1u : wu;
}

static uint32_t round_up(uint32_t value, uint32_t unit)
{
    return (value + unit - 1u) / unit * unit;
}

/* Trailer bytes for a slot of `slot_bytes`: fixed fields plus one bitmap bit per block. */
static uint32_t trailer_bytes(uint32_t slot_bytes)
{
    uint32_t reserve = MODEL_BLOCK_BYTES;
    for (;;) {
        uint32_t blocks = (slot_bytes - reserve) / MODEL_BLOCK_BYTES;
        uint32_t need = round_up(T_BITMAP + (blocks + 7u) / 8u, MODEL_BLOCK_BYTES);
        if (need <= reserve) {
            return reserve;
        }
        reserve = need;
    }
}

void model_store_init(void)
{
    const port_storage_map_t *m = port_storage_map();
    memset(s_slots, 0, sizeof s_slots);
    memset(s_file_sha, 0, sizeof s_file_sha);
    s_slot_count = 0;
    for (uint16_t i = 0; i < m->sector_count; i++) {
        const port_sector_t *s = &m->sectors[i];
        if (s->use != PORT_SECTOR_SLOT || s->slot >= RTP_MAX_SLOTS) {
            continue;
        }
        slot_geometry_t *g = &s_slots[s->slot];
        if (g->sector_count == 0) {
            g->base = s->addr;
            g->first_sector = i;
        }
        g->sector_count++;
        g->capacity += s->size; /* total for now */
        if (s->slot + 1u > s_slot_count) {
            s_slot_count = (uint8_t)(s->slot + 1u);
        }
    }
    for (uint8_t n = 0; n < s_slot_count; n++) {
        slot_geometry_t *g = &s_slots[n];
        uint32_t total = g->capacity;
        if (total < 2u * MODEL_BLOCK_BYTES) {
            g->capacity = 0; /* too small to hold a trailer and data */
            continue;
        }
        uint32_t trailer = trailer_bytes(total);
        g->capacity = total - trailer;
        g->trailer = g->base + g->capacity;
    }
}

uint8_t model_store_slot_count(void)
{
    return s_slot_count;
}

uint32_t model_store_capacity(void)
{
    uint32_t smallest = 0;
    for (uint8_t n = 0; n < s_slot_count; n++) {
        if (n == 0 || s_slots[n].capacity < smallest) {
            smallest = s_slots[n].capacity;
        }
    }
    return smallest;
}

static const slot_geometry_t *geometry(uint8_t slot)
{
    return slot < s_slot_count && s_slots[slot].capacity > 0 ? &s_slots[slot] : NULL;
}

static int read_bytes(uint32_t addr, void *buf, uint32_t len)
{
    return port_storage_read(addr, buf, len) == PORT_STORAGE_OK ? MODEL_OK : MODEL_ERR_STORAGE;
}

/* Programs `len` bytes at any address inside the trailer: reads the flash words
 * that cover them, overlays the new bytes and programs those words. Callers only
 * ever clear bits relative to what is stored, as flash requires. */
static int program_overlay(uint32_t addr, const uint8_t *bytes, uint32_t len)
{
    uint8_t words[2u * FIELD_BYTES];
    uint32_t wu = write_unit();
    uint32_t start = addr / wu * wu;
    uint32_t end = round_up(addr + len, wu);
    if (end - start > sizeof words || read_bytes(start, words, end - start) != MODEL_OK) {
        return MODEL_ERR_STORAGE;
    }
    memcpy(words + (addr - start), bytes, len);
    return port_storage_program(start, words, end - start) == PORT_STORAGE_OK ? MODEL_OK : MODEL_ERR_STORAGE;
}

/* The header as stored, if it is intact (magic and CRC). */
static bool read_header(const slot_geometry_t *g, header_t *h)
{
    uint8_t raw[T_HEADER_BYTES];
    if (read_bytes(g->trailer + T_HEADER, raw, sizeof raw) != MODEL_OK) {
        return false;
    }
    uint32_t crc_at = T_HEADER_BYTES - 4u;
    uint32_t magic = rtp_get_le32(raw);
    if ((magic != MAGIC && magic != MAGIC_HEADER_FORM) || rtp_get_le32(raw + crc_at) != rtp_crc32c(raw, crc_at)) {
        return false;
    }
    h->header_form = magic == MAGIC_HEADER_FORM;
    h->size = rtp_get_le32(raw + 4);
    h->id_len = raw[8];
    if (h->id_len > MODEL_ID_MAX || h->size == 0 || h->size > g->capacity) {
        return false;
    }
    memcpy(h->id, raw + 9, MODEL_ID_MAX);
    memcpy(h->sha256, raw + 9 + MODEL_ID_MAX, 32);
    return true;
}

static int write_header(const slot_geometry_t *g, const header_t *h)
{
    uint8_t raw[round_up(T_HEADER_BYTES, FIELD_BYTES)];
    memset(raw, 0xFF, sizeof raw);
    rtp_put_le32(raw, h->header_form ? MAGIC_HEADER_FORM : MAGIC);
    rtp_put_le32(raw + 4, h->size);
    raw[8] = h->id_len;
    memset(raw + 9, 0, MODEL_ID_MAX);
    memcpy(raw + 9, h->id, h->id_len);
    memcpy(raw + 9 + MODEL_ID_MAX, h->sha256, 32);
    uint32_t crc_at = T_HEADER_BYTES - 4u;
    rtp_put_le32(raw + crc_at, rtp_crc32c(raw, crc_at));
    uint32_t len = round_up(T_HEADER_BYTES, write_unit());
    if (len > T_VERIFIED) {
        return MODEL_ERR_STORAGE;
    }
    return port_storage_program(g->trailer + T_HEADER, raw, len) == PORT_STORAGE_OK ? MODEL_OK : MODEL_ERR_STORAGE;
}

static bool is_verified(const slot_geometry_t *g)
{
    uint8_t marker = 0xFF;
    return read_bytes(g->trailer + T_VERIFIED, &marker, 1) == MODEL_OK && marker == 0x00;
}

/* The slot's generation: the last intact entry of its generation log, or 0.
 * Four entries let a slot be re-activated after being superseded, each time
 * without an erase. */
static uint32_t generation(const slot_geometry_t *g, uint8_t *used_entries)
{
    uint8_t raw[GENERATION_ENTRIES * 8u];
    uint32_t gen = 0;
    uint8_t used = 0;
    if (read_bytes(g->trailer + T_GENERATION, raw, sizeof raw) == MODEL_OK) {
        for (uint8_t e = 0; e < GENERATION_ENTRIES; e++) {
            uint32_t value = rtp_get_le32(raw + 8u * e);
            if (value == 0xFFFFFFFFu && rtp_get_le32(raw + 8u * e + 4u) == 0xFFFFFFFFu) {
                break; /* erased: the log ends here */
            }
            used = (uint8_t)(e + 1u);
            if (value == (uint32_t)~rtp_get_le32(raw + 8u * e + 4u)) {
                gen = value; /* a torn entry (complement mismatch) is skipped */
            }
        }
    }
    if (used_entries != NULL) {
        *used_entries = used;
    }
    return gen;
}

static bool block_stored(const slot_geometry_t *g, uint32_t block)
{
    uint8_t byte = 0xFF;
    if (read_bytes(g->trailer + T_BITMAP + block / 8u, &byte, 1) != MODEL_OK) {
        return false;
    }
    return (byte & (1u << (block % 8u))) == 0;
}

static int mark_block(const slot_geometry_t *g, uint32_t block)
{
    uint32_t addr = g->trailer + T_BITMAP + block / 8u;
    uint8_t byte = 0xFF;
    if (read_bytes(addr, &byte, 1) != MODEL_OK) {
        return MODEL_ERR_STORAGE;
    }
    byte &= (uint8_t)~(1u << (block % 8u));
    return program_overlay(addr, &byte, 1);
}

static uint32_t block_count(uint32_t size)
{
    return (size + MODEL_BLOCK_BYTES - 1u) / MODEL_BLOCK_BYTES;
}

int model_store_active(void)
{
    int best = -1;
    uint32_t best_gen = 0;
    header_t h;
    for (uint8_t n = 0; n < s_slot_count; n++) {
        const slot_geometry_t *g = geometry(n);
        if (g == NULL || !read_header(g, &h) || !is_verified(g)) {
            continue;
        }
        uint32_t gen = generation(g, NULL);
        if (gen > best_gen) {
            best_gen = gen;
            best = n;
        }
    }
    return best;
}

/* The progress bitmap read through s_block, one flash read per
 * MODEL_BLOCK_BYTES of bitmap rather than one per block: the ACK path scans it
 * on every acknowledgement. */
typedef struct {
    const slot_geometry_t *g;
    uint32_t bytes;  /* bitmap bytes that cover the container */
    uint32_t first;  /* bitmap byte held in s_block[0] */
    uint32_t held;   /* bytes held; 0 after a failed read */
} bitmap_reader_t;

static bool bitmap_stored(bitmap_reader_t *r, uint32_t block)
{
    uint32_t at = block / 8u;
    if (at < r->first || at >= r->first + r->held) {
        uint32_t left = r->bytes - at;
        r->first = at;
        r->held = left < MODEL_BLOCK_BYTES ? left : MODEL_BLOCK_BYTES;
        if (read_bytes(r->g->trailer + T_BITMAP + at, s_block, r->held) != MODEL_OK) {
            r->held = 0;
            return false; /* as block_stored() */
        }
    }
    return (s_block[at - r->first] & (1u << (block % 8u))) == 0;
}

uint32_t model_store_progress(uint8_t slot, uint32_t ranges[][2], uint8_t max_ranges, uint8_t *range_count)
{
    const slot_geometry_t *g = geometry(slot);
    header_t h;
    if (range_count != NULL) {
        *range_count = 0;
    }
    if (g == NULL || !read_header(g, &h)) {
        return 0;
    }
    uint32_t blocks = block_count(h.size);
    bitmap_reader_t bm = {.g = g, .bytes = (blocks + 7u) / 8u};
    uint32_t b = 0;
    while (b < blocks && bitmap_stored(&bm, b)) {
        b++;
    }
    uint32_t next = b == blocks ? h.size : b * MODEL_BLOCK_BYTES;
    uint8_t count = 0;
    while (b < blocks && count < max_ranges && ranges != NULL) {
        while (b < blocks && !bitmap_stored(&bm, b)) {
            b++;
        }
        if (b == blocks) {
            break;
        }
        uint32_t start = b;
        while (b < blocks && bitmap_stored(&bm, b)) {
            b++;
        }
        uint32_t end = b == blocks ? h.size : b * MODEL_BLOCK_BYTES;
        ranges[count][0] = start * MODEL_BLOCK_BYTES;
        ranges[count][1] = end - start * MODEL_BLOCK_BYTES;
        count++;
    }
    if (range_count != NULL) {
        *range_count = count;
    }
    return next;
}

/* SHA-256 of a slot's first `size` data bytes. */
static int hash_slot(const slot_geometry_t *g, uint32_t size, uint8_t digest[RTM_SHA256_BYTES])
{
    rtm_sha256 sha;
    rtm_sha256_init(&sha);
    for (uint32_t at = 0; at < size; at += MODEL_BLOCK_BYTES) {
        uint32_t piece = size - at < MODEL_BLOCK_BYTES ? size - at : MODEL_BLOCK_BYTES;
        if (read_bytes(g->base + at, s_block, piece) != MODEL_OK) {
            return MODEL_ERR_STORAGE;
        }
        rtm_sha256_update(&sha, s_block, piece);
    }
    rtm_sha256_final(&sha, digest);
    return MODEL_OK;
}

/* The file SHA-256 of a verified slot: its header's, or for a header-form slot the one kept since its commit
 * (hashed again, once, after a restart). */
static int verified_file_sha(uint8_t slot, const slot_geometry_t *g, const header_t *h, uint8_t digest[32])
{
    if (!h->header_form) {
        memcpy(digest, h->sha256, 32);
        return MODEL_OK;
    }
    if (!s_file_sha[slot].known) {
        int err = hash_slot(g, h->size, s_file_sha[slot].sha256);
        if (err != MODEL_OK) {
            return err;
        }
        s_file_sha[slot].known = true;
    }
    memcpy(digest, s_file_sha[slot].sha256, 32);
    return MODEL_OK;
}

int model_store_info(uint8_t slot, model_slot_info_t *out)
{
    const slot_geometry_t *g = geometry(slot);
    if (g == NULL) {
        return MODEL_ERR_NO_SLOT;
    }
    memset(out, 0, sizeof *out);
    out->slot = slot;
    header_t h;
    if (!read_header(g, &h)) {
        out->state = RTP_SLOT_EMPTY;
        return MODEL_OK;
    }
    out->id_len = h.id_len;
    memcpy(out->model_id, h.id, h.id_len);
    out->size = h.size;
    out->header_form = h.header_form;
    if (h.header_form) {
        memcpy(out->header_sha256, h.sha256, 32);
    } else {
        memcpy(out->sha256, h.sha256, 32);
        out->sha256_known = true;
    }
    out->received = model_store_progress(slot, NULL, 0, NULL);
    out->generation = generation(g, NULL);
    if (is_verified(g)) {
        out->state = RTP_SLOT_VERIFIED;
        if (h.header_form && verified_file_sha(slot, g, &h, out->sha256) == MODEL_OK) {
            out->sha256_known = true;
        }
    } else {
        out->state = out->received == h.size ? RTP_SLOT_COMPLETE : RTP_SLOT_RECEIVING;
    }
    return MODEL_OK;
}

static int erase_slot(const slot_geometry_t *g)
{
    s_file_sha[g - s_slots].known = false;
    for (uint16_t i = 0; i < g->sector_count; i++) {
        if (port_storage_erase((uint16_t)(g->first_sector + i)) != PORT_STORAGE_OK) {
            return MODEL_ERR_STORAGE;
        }
    }
    return MODEL_OK;
}

int model_store_begin(uint8_t slot, const char *model_id, size_t id_len, uint32_t size, const uint8_t sha256[32],
                      uint32_t *next)
{
    return model_store_begin_form(slot, model_id, id_len, size, sha256, false, next);
}

int model_store_begin_form(uint8_t slot, const char *model_id, size_t id_len, uint32_t size, const uint8_t sha256[32],
                           bool header_form, uint32_t *next)
{
    const slot_geometry_t *g = geometry(slot);
    if (g == NULL) {
        return MODEL_ERR_NO_SLOT;
    }
    if (size == 0 || size > g->capacity) {
        return MODEL_ERR_NO_SPACE;
    }
    if (id_len > MODEL_ID_MAX) {
        return MODEL_ERR_RANGE;
    }
    header_t want;
    memset(&want, 0, sizeof want);
    want.size = size;
    want.id_len = (uint8_t)id_len;
    memcpy(want.id, model_id, id_len);
    memcpy(want.sha256, sha256, 32);
    want.header_form = header_form;
    header_t have;
    if (read_header(g, &have) && have.size == want.size && have.id_len == want.id_len && have.header_form == want.header_form &&
        memcmp(have.id, want.id, want.id_len) == 0 && memcmp(have.sha256, want.sha256, 32) == 0) {
        /* The same container: keep what is stored (resume), even if verified or active; unless its generation log
         * is full and it is not active: then only an erase lets it be activated again (commit refuses it), and a
         * resume would hand back the same refusal on every push, so the push starts over. */
        uint8_t used = 0;
        (void)generation(g, &used);
        if (used < GENERATION_ENTRIES || (int)slot == model_store_active()) {
            *next = model_store_progress(slot, NULL, 0, NULL);
            return MODEL_OK;
        }
    }
    if ((int)slot == model_store_active()) {
        return MODEL_ERR_ACTIVE;
    }
    int err = erase_slot(g);
    if (err == MODEL_OK) {
        err = write_header(g, &want);
    }
    *next = 0;
    return err;
}

int model_store_write(uint8_t slot, uint32_t offset, const uint8_t *data, size_t len, bool *was_duplicate)
{
    const slot_geometry_t *g = geometry(slot);
    header_t h;
    *was_duplicate = false;
    if (g == NULL) {
        return MODEL_ERR_NO_SLOT;
    }
    if (!read_header(g, &h) || is_verified(g)) {
        return MODEL_ERR_NO_TRANSFER;
    }
    if (offset >= h.size || len > h.size - offset) {
        return MODEL_ERR_RANGE;
    }
    bool ends_container = offset + len == h.size;
    if (offset % MODEL_BLOCK_BYTES != 0 || (len % MODEL_BLOCK_BYTES != 0 && !ends_container) || len == 0) {
        return MODEL_ERR_ALIGN;
    }
    bool all_stored = true;
    for (uint32_t done = 0; done < len; done += MODEL_BLOCK_BYTES) {
        uint32_t block = (offset + done) / MODEL_BLOCK_BYTES;
        if (block_stored(g, block)) {
            continue;
        }
        all_stored = false;
        uint32_t piece = (uint32_t)len - done < MODEL_BLOCK_BYTES ? (uint32_t)len - done : MODEL_BLOCK_BYTES;
        /* Pad the last piece with 0xFF to the flash word: programming 0xFF changes nothing. */
        uint32_t padded = round_up(piece, write_unit());
        memset(s_block, 0xFF, sizeof s_block);
        memcpy(s_block, data + done, piece);
        if (port_storage_program(g->base + offset + done, s_block, padded) != PORT_STORAGE_OK) {
            return MODEL_ERR_STORAGE;
        }
        /* Data first, then its bit: after a reset a set bit always means stored data. */
        if (mark_block(g, block) != MODEL_OK) {
            return MODEL_ERR_STORAGE;
        }
    }
    *was_duplicate = all_stored;
    return MODEL_OK;
}

int model_store_commit(uint8_t slot, bool activate)
{
    return model_store_commit_sha(slot, activate, NULL);
}

int model_store_commit_sha(uint8_t slot, bool activate, const uint8_t *file_sha256)
{
    const slot_geometry_t *g = geometry(slot);
    header_t h;
    if (g == NULL) {
        return MODEL_ERR_NO_SLOT;
    }
    if (!read_header(g, &h)) {
        return MODEL_ERR_NO_TRANSFER;
    }
    if (model_store_progress(slot, NULL, 0, NULL) != h.size) {
        return MODEL_ERR_INCOMPLETE;
    }
    if (h.header_form && file_sha256 == NULL) {
        return MODEL_ERR_NEED_SHA;
    }
    /* What the bytes must hash to: the commit's digest, and for a slot begun with the file's, that one too. */
    const uint8_t *claimed = file_sha256 != NULL ? file_sha256 : h.sha256;
    bool claims_agree = h.header_form || memcmp(claimed, h.sha256, 32) == 0;
    bool verified = is_verified(g);
    if (!verified || file_sha256 != NULL) {
        uint8_t digest[RTM_SHA256_BYTES];
        int err = verified ? verified_file_sha(slot, g, &h, digest) : hash_slot(g, h.size, digest);
        if (err != MODEL_OK) {
            return err;
        }
        if (!claims_agree || memcmp(digest, claimed, 32) != 0) {
            if ((int)slot != model_store_active()) {
                (void)erase_slot(g); /* SPEC §4.3: on a mismatch the slot is erased (never the active one) */
            }
            return MODEL_ERR_HASH;
        }
        if (!verified) {
            uint8_t marker = 0x00;
            if (program_overlay(g->trailer + T_VERIFIED, &marker, 1) != MODEL_OK) {
                return MODEL_ERR_STORAGE;
            }
        }
        if (h.header_form) {
            s_file_sha[slot].known = true;
            memcpy(s_file_sha[slot].sha256, digest, 32);
        }
    }
    if (!activate || (int)slot == model_store_active()) {
        return MODEL_OK;
    }
    uint8_t used = 0;
    (void)generation(g, &used);
    if (used == GENERATION_ENTRIES) {
        /* Its log is full: only a new push (which erases the slot) can activate it again. */
        return MODEL_ERR_ACTIVE;
    }
    uint32_t highest = 0;
    for (uint8_t n = 0; n < s_slot_count; n++) {
        const slot_geometry_t *other = geometry(n);
        uint32_t gen = other != NULL ? generation(other, NULL) : 0;
        if (gen > highest) {
            highest = gen;
        }
    }
    uint8_t raw[8];
    rtp_put_le32(raw, highest + 1u);
    rtp_put_le32(raw + 4, ~(highest + 1u));
    return program_overlay(g->trailer + T_GENERATION + 8u * used, raw, sizeof raw);
}

int model_store_read(uint8_t slot, uint32_t offset, void *buf, uint32_t len)
{
    const slot_geometry_t *g = geometry(slot);
    if (g == NULL) {
        return MODEL_ERR_NO_SLOT;
    }
    if (offset > g->capacity || len > g->capacity - offset) {
        return MODEL_ERR_RANGE;
    }
    return read_bytes(g->base + offset, buf, len);
}

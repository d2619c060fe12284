/*
 * Boot counter in the first PORT_SECTOR_META sector, as an append-only log
 * of records (flash-friendly: each boot programs one record into erased
 * space; the sector is erased only when the log is full):
 *
 *   record (8 bytes, stride = max(8, write_unit)):
 *     u16 LE tag, u16 LE ~tag, u32 LE value        erased: all 0xFF
 *
 * Tag 0x0001 = boot counter. The counter is the value of the last valid
 * boot record. A record whose tag and ~tag disagree (torn write) is skipped.
 * Later issues may add record tags (e.g. the active model slot); readers
 * skip tags they do not know.
 *
 * boot_id = CRC-32C(counter, ticks at boot, device id): it changes on every
 * boot even if storage is missing or was wiped (hosted boards see
 * nanosecond jitter in the ticks; MCU boards a new counter).
 */
#include "bootid.h"

#include <string.h>

#include "port.h"
#include "rtp/crc32c.h"
#include "rtp/le.h"

#define TAG_BOOT 0x0001u
#define REC_BYTES 8u
#define REC_STRIDE_MAX 64u

static uint32_t s_count;

static const port_sector_t *meta_sector(void)
{
    const port_storage_map_t *m = port_storage_map();
    for (uint16_t i = 0; i < m->sector_count; i++) {
        if (m->sectors[i].use == PORT_SECTOR_META) {
            return &m->sectors[i];
        }
    }
    return NULL;
}

/* Returns the stride, or 0 if the storage cannot hold the log. */
static uint32_t rec_stride(const port_sector_t *s)
{
    uint32_t wu = port_storage_map()->write_unit;
    uint32_t stride = wu > REC_BYTES ? wu : REC_BYTES;
    if (wu == 0 || stride > REC_STRIDE_MAX || stride % wu != 0 || s->size < stride) {
        return 0;
    }
    return stride;
}

static int write_record(uint32_t addr, uint32_t stride, uint16_t tag, uint32_t value)
{
    uint8_t rec[REC_STRIDE_MAX];
    memset(rec, PORT_STORAGE_ERASED, stride);
    rtp_put_le16(rec, tag);
    rtp_put_le16(rec + 2, (uint16_t)~tag);
    rtp_put_le32(rec + 4, value);
    return port_storage_program(addr, rec, stride);
}

static uint32_t bump_counter(void)
{
    const port_sector_t *s = meta_sector();
    if (s == NULL) {
        return 0;
    }
    uint32_t stride = rec_stride(s);
    if (stride == 0) {
        return 0;
    }
    uint32_t last = 0;
    uint32_t free_at = UINT32_MAX; /* first erased record after the last used one */
    for (uint32_t off = 0; off + stride <= s->size; off += stride) {
        uint8_t rec[REC_BYTES];
        if (port_storage_read(s->addr + off, rec, REC_BYTES) != PORT_STORAGE_OK) {
            return 0;
        }
        uint16_t tag = rtp_get_le16(rec);
        uint16_t ntag = rtp_get_le16(rec + 2);
        bool erased = true;
        for (unsigned i = 0; i < REC_BYTES; i++) {
            erased = erased && rec[i] == PORT_STORAGE_ERASED;
        }
        if (erased) {
            if (free_at == UINT32_MAX) {
                free_at = off;
            }
            continue;
        }
        free_at = UINT32_MAX; /* used record: free space must come after it */
        if (tag == TAG_BOOT && ntag == (uint16_t)~TAG_BOOT) {
            last = rtp_get_le32(rec + 4);
        }
    }
    uint32_t next = last + 1u;
    if (next == 0 || next == UINT32_MAX) {
        next = 1; /* 0 means "no storage"; all-ones looks erased */
    }
    if (free_at != UINT32_MAX && write_record(s->addr + free_at, stride, TAG_BOOT, next) == PORT_STORAGE_OK) {
        return next;
    }
    /* Log full (or a torn record in the way): compact. Power loss here
     * loses the counter, which only makes boot_id rely on the ticks. */
    if (port_storage_erase((uint16_t)(s - port_storage_map()->sectors)) != PORT_STORAGE_OK ||
        write_record(s->addr, stride, TAG_BOOT, next) != PORT_STORAGE_OK) {
        return 0;
    }
    return next;
}

uint32_t bootid_next(void)
{
    s_count = bump_counter();
    uint64_t t = port_ticks();
    uint8_t mix[12];
    rtp_put_le32(mix, s_count);
    rtp_put_le32(mix + 4, (uint32_t)t);
    rtp_put_le32(mix + 8, (uint32_t)(t >> 32));
    uint32_t st = rtp_crc32c_update(RTP_CRC32C_INIT, mix, sizeof mix);
    const char *id = port_device_id();
    st = rtp_crc32c_update(st, id, strlen(id));
    return rtp_crc32c_final(st);
}

uint32_t bootid_count(void)
{
    return s_count;
}

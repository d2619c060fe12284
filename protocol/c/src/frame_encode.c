/* Frame encoder: header | message | CRC-32C, COBS-encoded straight into the
 * caller's buffer (no staging copy), then the 0x00 delimiter. */
#include "rtp/cobs.h"
#include "rtp/crc32c.h"
#include "rtp/frame.h"
#include "rtp/le.h"

size_t rtp_frame_encode(const rtp_frame_hdr_t *hdr, const uint8_t *msg, size_t msg_len,
                        uint8_t *out, size_t cap)
{
    if (msg_len == 0 || cap == 0)
        return 0;
    uint8_t head[RTP_FRAME_HDR_BYTES] = {RTP_FRAME_VERSION, hdr->flags, hdr->channel};
    rtp_put_le16(head + 3, hdr->seq);
    uint32_t crc = rtp_crc32c_update(RTP_CRC32C_INIT, head, sizeof head);
    crc = rtp_crc32c_final(rtp_crc32c_update(crc, msg, msg_len));
    uint8_t tail[RTP_FRAME_CRC_BYTES];
    rtp_put_le32(tail, crc);

    rtp_cobs_enc_t e;
    rtp_cobs_enc_begin(&e, out, cap - 1); /* keep one byte for the delimiter */
    rtp_cobs_enc_put(&e, head, sizeof head);
    rtp_cobs_enc_put(&e, msg, msg_len);
    rtp_cobs_enc_put(&e, tail, sizeof tail);
    size_t n = rtp_cobs_enc_end(&e);
    if (n == 0)
        return 0;
    out[n] = 0x00;
    return n + 1;
}

size_t rtp_frame_counters_export(const rtp_frame_counters_t *c, uint64_t *out, size_t cap)
{
    const uint32_t v[RTP_FRAME_COUNTERS_N] = {
        c->frames_ok, c->cobs, c->too_short, c->crc, c->oversize, c->version, c->lost,
    };
    size_t n = cap < RTP_FRAME_COUNTERS_N ? cap : RTP_FRAME_COUNTERS_N;
    for (size_t i = 0; i < n; i++)
        out[i] = v[i];
    return n;
}

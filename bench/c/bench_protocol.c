/* Codec throughput of the C protocol library (protocol/c): frames per second
 * encoded (message + frame) and decoded (streaming parser + message decode),
 * for MODEL_CHUNK messages carrying 64, 256 and 1024 data bytes, the same
 * messages bench/protocol.ts measures in TypeScript. Prints one JSON object
 * per size. Built by bench/CMakeLists.txt; bench/protocol.sh runs the release (-O2) copy. */
#define _POSIX_C_SOURCE 199309L
#include <rtp/rtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FRAME 4096u
#define BATCH 2000u

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t wire_buf[RTP_WIRE_MAX_BYTES(MAX_FRAME)];
static uint8_t msg_buf[RTP_MSG_MAX_BYTES(MAX_FRAME)];
static uint8_t parser_buf[RTP_PARSER_BUF_BYTES(MAX_FRAME)];
static uint8_t payload[1024];

static void chunk_message(rtp_msg_t *msg, size_t data_len, uint32_t offset) {
    memset(msg, 0, sizeof *msg);
    msg->type = RTP_MSG_MODEL_CHUNK;
    msg->dir = RTP_DIR_H2D;
    msg->id = 0;
    msg->body.model_chunk.slot = 1;
    msg->body.model_chunk.offset = offset;
    msg->body.model_chunk.data.ptr = payload;
    msg->body.model_chunk.data.len = data_len;
}

static size_t encode_one(size_t data_len, uint32_t offset, uint16_t seq) {
    rtp_msg_t msg;
    chunk_message(&msg, data_len, offset);
    size_t msg_len = rtp_msg_encode(&msg, msg_buf, sizeof msg_buf);
    rtp_frame_hdr_t hdr = {.flags = 0, .channel = RTP_CHANNEL_BULK, .seq = seq};
    return rtp_frame_encode(&hdr, msg_buf, msg_len, wire_buf, sizeof wire_buf);
}

static void bench_size(size_t data_len, double budget_seconds) {
    volatile size_t sink = 0;
    unsigned long encoded = 0;
    double start = now_seconds(), elapsed;
    do {
        for (unsigned i = 0; i < BATCH; i++) sink += encode_one(data_len, i * 1024u, (uint16_t)i);
        encoded += BATCH;
        elapsed = now_seconds() - start;
    } while (elapsed < budget_seconds);
    double encode_fps = (double)encoded / elapsed;

    size_t wire_len = encode_one(data_len, 4096u, 7);
    rtp_frame_parser_t parser;
    rtp_frame_parser_init(&parser, parser_buf, sizeof parser_buf);
    rtp_frame_parser_set_max_frame(&parser, MAX_FRAME);
    unsigned long decoded = 0;
    start = now_seconds();
    do {
        for (unsigned i = 0; i < BATCH; i++) {
            const uint8_t *data = wire_buf;
            size_t left = wire_len;
            rtp_frame_t frame;
            rtp_msg_t msg;
            while (rtp_frame_parser_feed(&parser, &data, &left, &frame)) {
                if (rtp_msg_decode(RTP_DIR_H2D, frame.msg, frame.msg_len, &msg, NULL) != RTP_DECODE_OK) {
                    fprintf(stderr, "decode failed\n");
                    exit(1);
                }
                sink += msg.body.model_chunk.data.len;
                decoded++;
            }
        }
        elapsed = now_seconds() - start;
    } while (elapsed < budget_seconds);
    double decode_fps = (double)decoded / elapsed;
    (void)sink;
    printf("{\"dataBytes\":%zu,\"wireBytes\":%zu,\"encodeFramesPerSecond\":%.0f,\"decodeFramesPerSecond\":%.0f}\n", data_len, wire_len,
           encode_fps, decode_fps);
}

int main(int argc, char **argv) {
    double budget = argc > 1 ? atof(argv[1]) : 1.0;
    for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)(i * 13u + 1u);
    const size_t sizes[] = {64, 256, 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) bench_size(sizes[i], budget);
    return 0;
}

/* Writes a seed corpus for fuzz_frame_message: every wire string of
 * vectors.txt (valid and invalid), the bare message of each valid vector,
 * and the test samples of every (type, dir) both bare and framed.
 * Usage: make_seeds <vectors.txt or -> <outdir> */
#include <stdio.h>
#include <string.h>

#include "../tests/check.h"
#include "../tests/samples.h"
#include "rtp/rtp.h"

static unsigned written;
static const char *outdir;

static void put(const char *kind, const uint8_t *b, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%s-%04u", outdir, kind, written++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n) {
        perror(path);
        return;
    }
    fclose(f);
}

static char line[1 << 20];
static uint8_t bin[1 << 19], enc[1 << 16], wire[RTP_WIRE_MAX_BYTES(1 << 16)], rx[RTP_MAX_FRAME_LIMIT];

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <vectors.txt|-> <outdir>\n", argv[0]);
        return 2;
    }
    outdir = argv[2];
    FILE *vf = strcmp(argv[1], "-") ? fopen(argv[1], "r") : NULL;
    while (vf && fgets(line, sizeof line, vf)) {
        char *tok[8];
        int nt = 0;
        for (char *t = strtok(line, " \t\r\n"); t && nt < 8; t = strtok(NULL, " \t\r\n"))
            tok[nt++] = t;
        if (nt < 6 || tok[0][0] == '#')
            continue;
        const char *hex = !strcmp(tok[0], "valid") ? tok[4] : tok[5];
        size_t n = hex_parse(hex, bin, sizeof bin);
        if (n == (size_t)-1)
            continue;
        put("wire", bin, n);
        rtp_frame_parser_t p; /* also seed the bare message */
        rtp_frame_parser_init(&p, rx, sizeof rx);
        rtp_frame_parser_set_max_frame(&p, sizeof rx);
        const uint8_t *d = bin;
        size_t left = n;
        rtp_frame_t f;
        while (rtp_frame_parser_feed(&p, &d, &left, &f))
            put("msg", f.msg, f.msg_len);
    }
    if (vf)
        fclose(vf);
    for (size_t k = 0; k < sample_kind_count; k++) {
        for (int full = 0; full < 2; full++) {
            rtp_msg_t m;
            sample_build(sample_kinds[k].type, sample_kinds[k].dir, full, &m);
            size_t n = rtp_msg_encode(&m, enc, sizeof enc);
            if (!n)
                continue;
            put("sample", enc, n);
            rtp_frame_hdr_t h = {0, 0, (uint16_t)k};
            size_t wn = rtp_frame_encode(&h, enc, n, wire, sizeof wire);
            if (wn)
                put("sampleframe", wire, wn);
        }
    }
    printf("%u seeds written to %s\n", written, outdir);
    return 0;
}

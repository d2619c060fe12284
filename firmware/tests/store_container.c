/* A real container in the model store (see store_container.h). */
#include "store_container.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_store.h"
#include "rtinfer_nn/sha256.h"
#include "test_util.h"

size_t test_read_file(const char *path, uint8_t *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL) {
        exit(1);
    }
    size_t size = fread(out, 1, cap, f);
    fclose(f);
    return size;
}

size_t test_store_container(const char *path, const char *model_id, uint8_t *buf, size_t cap)
{
    size_t size = test_read_file(path, buf, cap);
    uint8_t sha[32];
    rtm_sha256 hash;
    rtm_sha256_init(&hash);
    rtm_sha256_update(&hash, buf, size);
    rtm_sha256_final(&hash, sha);
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(0, model_id, strlen(model_id), (uint32_t)size, sha, &next), MODEL_OK);
    for (uint32_t offset = 0; offset < size; offset += MODEL_BLOCK_BYTES) {
        uint32_t n = size - offset < MODEL_BLOCK_BYTES ? (uint32_t)(size - offset) : MODEL_BLOCK_BYTES;
        bool duplicate = false;
        CHECK_EQ_U(model_store_write(0, offset, buf + offset, n, &duplicate), MODEL_OK);
    }
    CHECK_EQ_U(model_store_commit(0, true), MODEL_OK);
    return size;
}

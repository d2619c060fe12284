/* Model store on the POSIX flash model (a temp file): transfers, resume,
 * selective progress, verification, activation, and what survives a reset. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_store.h"
#include "port.h"
#include "posix_flash.h"
#include "rtinfer_nn/sha256.h"
#include "test_util.h"

#define CAP (POSIX_FLASH_SLOT_BYTES - MODEL_BLOCK_BYTES)

static char s_path[64];
static uint8_t s_model[CAP];
static uint8_t s_sha[32];

static void open_flash(void)
{
    snprintf(s_path, sizeof s_path, "/tmp/rtinfer-store-test-XXXXXX");
    int fd = mkstemp(s_path);
    CHECK(fd >= 0);
    close(fd);
    unlink(s_path); /* posix_flash creates it erased */
    char err[128];
    int busy = 0;
    CHECK(posix_flash_open(s_path, err, sizeof err, &busy) == 0);
    model_store_init();
}

/* A reset: the flash file stays, RAM state is rebuilt from it. */
static void reboot(void)
{
    posix_flash_close();
    char err[128];
    int busy = 0;
    CHECK(posix_flash_open(s_path, err, sizeof err, &busy) == 0);
    model_store_init();
}

static void close_flash(void)
{
    posix_flash_close();
    unlink(s_path);
}

static void make_model(uint32_t size, uint8_t seed)
{
    for (uint32_t i = 0; i < size; i++) {
        s_model[i] = (uint8_t)(i * 31u + seed);
    }
    rtm_sha256 sha;
    rtm_sha256_init(&sha);
    rtm_sha256_update(&sha, s_model, size);
    rtm_sha256_final(&sha, s_sha);
}

static int write_blocks(uint8_t slot, uint32_t size, uint32_t from_block, uint32_t to_block)
{
    for (uint32_t b = from_block; b < to_block; b++) {
        uint32_t at = b * MODEL_BLOCK_BYTES;
        uint32_t len = size - at < MODEL_BLOCK_BYTES ? size - at : MODEL_BLOCK_BYTES;
        bool dup = false;
        int err = model_store_write(slot, at, s_model + at, len, &dup);
        if (err != MODEL_OK) {
            return err;
        }
    }
    return MODEL_OK;
}

static uint32_t blocks(uint32_t size)
{
    return (size + MODEL_BLOCK_BYTES - 1u) / MODEL_BLOCK_BYTES;
}

static void push(uint8_t slot, uint32_t size, uint8_t seed, const char *id)
{
    make_model(size, seed);
    uint32_t next = 99;
    CHECK_EQ_U(model_store_begin(slot, id, strlen(id), size, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(write_blocks(slot, size, next / MODEL_BLOCK_BYTES, blocks(size)), MODEL_OK);
    CHECK_EQ_U(model_store_commit(slot, true), MODEL_OK);
}

static void t_transfer_verify_activate(void)
{
    open_flash();
    CHECK_EQ_U(model_store_slot_count(), 2);
    CHECK_EQ_U(model_store_capacity(), CAP);
    CHECK_EQ_U(model_store_active(), (uint64_t)-1);
    push(1, 100000, 7, "lenet5");
    CHECK_EQ_U(model_store_active(), 1);
    model_slot_info_t info;
    CHECK_EQ_U(model_store_info(1, &info), MODEL_OK);
    CHECK_EQ_U(info.state, RTP_SLOT_VERIFIED);
    CHECK_EQ_U(info.size, 100000);
    CHECK_EQ_U(info.received, 100000);
    CHECK(memcmp(info.model_id, "lenet5", 6) == 0 && info.id_len == 6);
    static uint8_t back[100000];
    CHECK_EQ_U(model_store_read(1, 0, back, sizeof back), MODEL_OK);
    CHECK(memcmp(back, s_model, sizeof back) == 0);
    reboot();
    CHECK_EQ_U(model_store_active(), 1);
    close_flash();
}

static void t_resume_after_reset(void)
{
    open_flash();
    make_model(50000, 3);
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(0, "m", 1, 50000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(next, 0);
    CHECK_EQ_U(write_blocks(0, 50000, 0, 20), MODEL_OK);
    reboot();
    CHECK_EQ_U(model_store_begin(0, "m", 1, 50000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(next, 20u * MODEL_BLOCK_BYTES);
    model_slot_info_t info;
    CHECK_EQ_U(model_store_info(0, &info), MODEL_OK);
    CHECK_EQ_U(info.state, RTP_SLOT_RECEIVING);
    CHECK_EQ_U(write_blocks(0, 50000, 20, blocks(50000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit(0, true), MODEL_OK);
    CHECK_EQ_U(model_store_active(), 0);
    close_flash();
}

static void t_selective_progress(void)
{
    open_flash();
    make_model(20000, 5);
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(0, "m", 1, 20000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(write_blocks(0, 20000, 0, 2), MODEL_OK);
    CHECK_EQ_U(write_blocks(0, 20000, 4, 6), MODEL_OK);
    CHECK_EQ_U(write_blocks(0, 20000, 19, 20), MODEL_OK); /* the short last block */
    uint32_t ranges[8][2];
    uint8_t count = 0;
    CHECK_EQ_U(model_store_progress(0, ranges, 8, &count), 2u * MODEL_BLOCK_BYTES);
    CHECK_EQ_U(count, 2);
    CHECK_EQ_U(ranges[0][0], 4u * MODEL_BLOCK_BYTES);
    CHECK_EQ_U(ranges[0][1], 2u * MODEL_BLOCK_BYTES);
    CHECK_EQ_U(ranges[1][0], 19u * MODEL_BLOCK_BYTES);
    CHECK_EQ_U(ranges[1][1], 20000u - 19u * MODEL_BLOCK_BYTES);
    bool dup = false;
    CHECK_EQ_U(model_store_write(0, 4u * MODEL_BLOCK_BYTES, s_model + 4u * MODEL_BLOCK_BYTES, MODEL_BLOCK_BYTES, &dup), MODEL_OK);
    CHECK(dup);
    CHECK_EQ_U(model_store_commit(0, true), MODEL_ERR_INCOMPLETE);
    close_flash();
}

static void t_bad_writes(void)
{
    open_flash();
    make_model(5000, 1);
    uint32_t next = 0;
    bool dup = false;
    CHECK_EQ_U(model_store_write(0, 0, s_model, 1024, &dup), MODEL_ERR_NO_TRANSFER);
    CHECK_EQ_U(model_store_begin(0, "m", 1, CAP + 1u, s_sha, &next), MODEL_ERR_NO_SPACE);
    CHECK_EQ_U(model_store_begin(0, "m", 1, 5000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(model_store_write(0, 512, s_model, 1024, &dup), MODEL_ERR_ALIGN);
    CHECK_EQ_U(model_store_write(0, 0, s_model, 1000, &dup), MODEL_ERR_ALIGN);
    CHECK_EQ_U(model_store_write(0, 4096, s_model, 1024, &dup), MODEL_ERR_RANGE);
    CHECK_EQ_U(model_store_write(0, 4096, s_model + 4096, 904, &dup), MODEL_OK); /* ends the container */
    CHECK_EQ_U(model_store_begin(7, "m", 1, 5000, s_sha, &next), MODEL_ERR_NO_SLOT);
    close_flash();
}

static void t_hash_mismatch_erases(void)
{
    open_flash();
    push(0, 30000, 1, "good");
    make_model(30000, 2);
    uint8_t wrong[32];
    memcpy(wrong, s_sha, 32);
    wrong[0] ^= 1;
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(1, "bad", 3, 30000, wrong, &next), MODEL_OK);
    CHECK_EQ_U(write_blocks(1, 30000, 0, blocks(30000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit(1, true), MODEL_ERR_HASH);
    model_slot_info_t info;
    CHECK_EQ_U(model_store_info(1, &info), MODEL_OK);
    CHECK_EQ_U(info.state, RTP_SLOT_EMPTY);
    CHECK_EQ_U(model_store_active(), 0); /* the old model is still the one */
    close_flash();
}

static void t_active_slot_protected(void)
{
    open_flash();
    push(0, 8000, 1, "a");
    make_model(8000, 9);
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(0, "b", 1, 8000, s_sha, &next), MODEL_ERR_ACTIVE);
    CHECK_EQ_U(model_store_active(), 0);
    close_flash();
}

static void t_switch_and_switch_back(void)
{
    open_flash();
    push(0, 8000, 1, "a");
    push(1, 9000, 2, "b");
    CHECK_EQ_U(model_store_active(), 1);
    /* Re-activating slot 0 (still verified) works without a new transfer, a few times. */
    for (int round = 0; round < 3; round++) {
        CHECK_EQ_U(model_store_commit(0, true), MODEL_OK);
        CHECK_EQ_U(model_store_active(), 0);
        CHECK_EQ_U(model_store_commit(1, true), MODEL_OK);
        CHECK_EQ_U(model_store_active(), 1);
    }
    /* Slot 0's four-entry generation log is now full: it says so rather than erase a verified model. */
    CHECK_EQ_U(model_store_commit(0, true), MODEL_ERR_ACTIVE);
    CHECK_EQ_U(model_store_active(), 1);
    reboot();
    CHECK_EQ_U(model_store_active(), 1);
    /* Pushing the same container again ("push it again") does not resume into that refusal: slot 0 starts over
     * from byte 0, and once it is whole again it activates. */
    make_model(8000, 1);
    uint32_t next = 99;
    CHECK_EQ_U(model_store_begin(0, "a", 1, 8000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(next, 0);
    CHECK_EQ_U(write_blocks(0, 8000, 0, blocks(8000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit(0, true), MODEL_OK);
    CHECK_EQ_U(model_store_active(), 0);
    /* The active slot is never erased by a push of its own container: that resumes (nothing to send). */
    CHECK_EQ_U(model_store_begin(0, "a", 1, 8000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(next, 8000);
    close_flash();
}

static void t_torn_activation_keeps_old(void)
{
    open_flash();
    push(0, 8000, 1, "a");
    make_model(8000, 2);
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(1, "b", 1, 8000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(write_blocks(1, 8000, 0, blocks(8000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit(1, false), MODEL_OK); /* verified, not active */
    CHECK_EQ_U(model_store_active(), 0);
    /* Power fails while the generation is programmed: the value lands, its complement does not. */
    uint8_t torn[4] = {2, 0, 0, 0};
    CHECK_EQ_U(port_storage_program(POSIX_FLASH_SLOT_BYTES + CAP + 160u, torn, 4), PORT_STORAGE_OK);
    reboot();
    CHECK_EQ_U(model_store_active(), 0);
    close_flash();
}

static void t_verified_same_container_resumes_complete(void)
{
    open_flash();
    push(0, 12000, 4, "same");
    uint32_t next = 0;
    CHECK_EQ_U(model_store_begin(0, "same", 4, 12000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(next, 12000);
    CHECK_EQ_U(model_store_commit(0, true), MODEL_OK);
    CHECK_EQ_U(model_store_active(), 0);
    close_flash();
}

/* SPEC §4.3's header form: the slot is named by a sealed stream's header SHA-256 (resume matches on it, after a
 * reset too), and the file's SHA-256 comes with the commit: required, checked, a mismatch erases the slot and
 * leaves the active one; once verified the file SHA-256 is reported, also after a reset (hashed again). */
static void t_header_form(void)
{
    open_flash();
    push(0, 9000, 2, "old"); /* the active model */
    make_model(30000, 9);
    uint8_t header_sha[32];
    memset(header_sha, 0xA5, sizeof header_sha);
    uint32_t next = 99;
    CHECK_EQ_U(model_store_begin_form(1, "new", 3, 30000, header_sha, true, &next), MODEL_OK);
    CHECK_EQ_U(next, 0);
    CHECK_EQ_U(write_blocks(1, 30000, 0, 10), MODEL_OK);
    reboot();
    /* The file's SHA-256 in the same bytes is another container: the header form only resumes the header form. */
    CHECK_EQ_U(model_store_begin_form(1, "new", 3, 30000, header_sha, true, &next), MODEL_OK);
    CHECK_EQ_U(next, 10u * MODEL_BLOCK_BYTES);
    model_slot_info_t info;
    CHECK_EQ_U(model_store_info(1, &info), MODEL_OK);
    CHECK(info.header_form && !info.sha256_known && memcmp(info.header_sha256, header_sha, 32) == 0);
    CHECK_EQ_U(write_blocks(1, 30000, 10, blocks(30000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit_sha(1, true, NULL), MODEL_ERR_NEED_SHA);
    uint8_t wrong[32];
    memcpy(wrong, s_sha, sizeof wrong);
    wrong[0] ^= 1;
    CHECK_EQ_U(model_store_commit_sha(1, true, wrong), MODEL_ERR_HASH);
    CHECK_EQ_U(model_store_info(1, &info), MODEL_OK);
    CHECK_EQ_U(info.state, RTP_SLOT_EMPTY);
    CHECK_EQ_U(model_store_active(), 0);
    /* Pushed again, committed with the right digest. */
    CHECK_EQ_U(model_store_begin_form(1, "new", 3, 30000, header_sha, true, &next), MODEL_OK);
    CHECK_EQ_U(next, 0);
    CHECK_EQ_U(write_blocks(1, 30000, 0, blocks(30000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit_sha(1, true, s_sha), MODEL_OK);
    CHECK_EQ_U(model_store_active(), 1);
    CHECK_EQ_U(model_store_info(1, &info), MODEL_OK);
    CHECK(info.state == RTP_SLOT_VERIFIED && info.sha256_known && memcmp(info.sha256, s_sha, 32) == 0);
    reboot();
    CHECK_EQ_U(model_store_info(1, &info), MODEL_OK);
    CHECK(info.sha256_known && memcmp(info.sha256, s_sha, 32) == 0);
    /* A repeated commit (a lost reply) is checked against the slot's digest; the active slot is never erased. */
    CHECK_EQ_U(model_store_commit_sha(1, true, s_sha), MODEL_OK);
    CHECK_EQ_U(model_store_commit_sha(1, true, wrong), MODEL_ERR_HASH);
    CHECK_EQ_U(model_store_active(), 1);
    /* A slot begun with the file's SHA-256 takes only that one at commit. */
    make_model(5000, 1);
    CHECK_EQ_U(model_store_begin(0, "sha", 3, 5000, s_sha, &next), MODEL_OK);
    CHECK_EQ_U(write_blocks(0, 5000, 0, blocks(5000)), MODEL_OK);
    CHECK_EQ_U(model_store_commit_sha(0, false, header_sha), MODEL_ERR_HASH);
    CHECK_EQ_U(model_store_info(0, &info), MODEL_OK);
    CHECK_EQ_U(info.state, RTP_SLOT_EMPTY);
    close_flash();
}

static const tu_case_t k_cases[] = {
    {"header_form", t_header_form},
    {"transfer_verify_activate", t_transfer_verify_activate},
    {"resume_after_reset", t_resume_after_reset},
    {"selective_progress", t_selective_progress},
    {"bad_writes", t_bad_writes},
    {"hash_mismatch_erases", t_hash_mismatch_erases},
    {"active_slot_protected", t_active_slot_protected},
    {"switch_and_switch_back", t_switch_and_switch_back},
    {"torn_activation_keeps_old", t_torn_activation_keeps_old},
    {"verified_same_container_resumes_complete", t_verified_same_container_resumes_complete},
};

int main(int argc, char **argv)
{
    return tu_main(argc, argv, k_cases, sizeof k_cases / sizeof k_cases[0], NULL, NULL);
}

/* teesim through the TEE Client API, as the agent uses it: every call crosses into the test TA's
 * runner process. Vectors: RFC 7748 §6.1, RFC 5869 A.1, the GCM specification's AES-256 cases
 * (McGrew & Viega, test cases 13, 14 and 16, as in NIST's GCM validation), FIPS 180-2 SHA-256
 * examples, RFC 8032 §7.1 test 1. Usage: teesim_tests <case>. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/gcm.h>
#include <sodium.h>
#include <tee_client_api.h>
#include <test_ta.h>

/* TA results the Client API header has no name for (tee_api_defines.h). */
#define TA_ERROR_MAC_INVALID 0xFFFF3071u
#define TA_ERROR_SIGNATURE_INVALID 0xFFFF3072u

static int failures;
#define CHECK(cond)                                                                                   \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
			failures++;                                                                   \
		}                                                                                     \
	} while (0)
#define CHECK_RES(expr, want)                                                                         \
	do {                                                                                          \
		TEEC_Result got_ = (expr);                                                            \
		if (got_ != (TEEC_Result)(want)) {                                                    \
			fprintf(stderr, "%s:%d: %s = 0x%08x, want 0x%08x\n", __FILE__, __LINE__, #expr, \
				got_, (unsigned)(want));                                              \
			failures++;                                                                   \
		}                                                                                     \
	} while (0)

static const TEEC_UUID test_uuid = TEST_TA_UUID;
static TEEC_Context ctx;
static char storage[] = "/tmp/teesim-test-XXXXXX";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	if (sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &n, NULL) != 0) {
		fprintf(stderr, "bad hex vector\n");
		exit(2);
	}
	return n;
}

static void open_session(TEEC_Session *s)
{
	uint32_t origin = 0;
	TEEC_Result res = TEEC_OpenSession(&ctx, s, &test_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (res != TEEC_SUCCESS) {
		fprintf(stderr, "TEEC_OpenSession: 0x%08x (origin %u)\n", res, origin);
		exit(1);
	}
}

static TEEC_Operation op_of(uint32_t types)
{
	TEEC_Operation op;
	memset(&op, 0, sizeof(op));
	op.paramTypes = types;
	return op;
}

static TEEC_Result invoke(TEEC_Session *s, uint32_t cmd, TEEC_Operation *op, uint32_t *origin)
{
	uint32_t o = 0;
	TEEC_Result r = TEEC_InvokeCommand(s, cmd, op, &o);
	if (origin)
		*origin = o;
	return r;
}

/* --- parameters -------------------------------------------------------------------------------- */

static void value_params(TEEC_Session *s)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_VALUE_INOUT, TEEC_NONE));
	op.params[0].value.a = 6;
	op.params[0].value.b = 7;
	op.params[2].value.a = 100;
	op.params[2].value.b = 0xffffffffu;
	CHECK_RES(invoke(s, TEST_CMD_VALUE, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[1].value.a == 13 && op.params[1].value.b == 42);
	CHECK(op.params[2].value.a == 101 && op.params[2].value.b == 0);
	/* The TA checks the types it gets: a mismatch is its TEE_ERROR_BAD_PARAMETERS. */
	uint32_t origin;
	op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_VALUE_INOUT, TEEC_NONE));
	CHECK_RES(invoke(s, TEST_CMD_VALUE, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	CHECK(origin == TEEC_ORIGIN_TRUSTED_APP);
}

static void memref_temp_in_out_inout(TEEC_Session *s)
{
	uint8_t in[300], out[300], io[5] = { 1, 2, 3, 4, 255 };
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	memset(out, 0xee, sizeof(out));
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
						   TEEC_MEMREF_TEMP_INOUT, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ in, sizeof(in) };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ out, sizeof(out) };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ io, sizeof(io) };
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, NULL), TEEC_SUCCESS);
	int reversed = 1;
	for (size_t i = 0; i < sizeof(in); i++)
		reversed &= out[sizeof(in) - 1 - i] == in[i];
	CHECK(reversed);
	CHECK(op.params[1].tmpref.size == sizeof(in));
	CHECK(io[0] == 2 && io[3] == 5 && io[4] == 0);
	CHECK(in[1] == 7); /* an input is not written back */

	/* A bigger call after a small one: the bounce area grows; sizes 1 MiB + 3. */
	size_t n = (1u << 20) + 3;
	uint8_t *big_in = malloc(n), *big_out = malloc(n);
	for (size_t i = 0; i < n; i++)
		big_in[i] = (uint8_t)(i ^ (i >> 8));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ big_in, n };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ big_out, n };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ io, 1 };
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, NULL), TEEC_SUCCESS);
	CHECK(big_out[0] == big_in[n - 1] && big_out[n - 1] == big_in[0] && big_out[12345] == big_in[n - 12346]);
	CHECK(io[0] == 3 && io[1] == 3); /* only the first byte was in the memref */
	free(big_in);
	free(big_out);
}

static void memref_short_buffer(TEEC_Session *s)
{
	uint8_t in[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, out[4] = { 9, 9, 9, 9 }, io[1] = { 0 };
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
						   TEEC_MEMREF_TEMP_INOUT, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ in, sizeof(in) };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ out, sizeof(out) };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ io, sizeof(io) };
	uint32_t origin;
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, &origin), TEEC_ERROR_SHORT_BUFFER);
	CHECK(origin == TEEC_ORIGIN_TRUSTED_APP);
	CHECK(op.params[1].tmpref.size == 10); /* what the TA needs */
	CHECK(out[0] == 9 && out[3] == 9);     /* nothing copied back */
}

static void memref_null(TEEC_Session *s)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ NULL, 0 };
	CHECK_RES(invoke(s, TEST_CMD_MEMREF_INFO, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[1].value.a == 1 && op.params[1].value.b == 0);
	uint8_t b[3] = { 0 };
	op.params[0].tmpref = (TEEC_TempMemoryReference){ b, sizeof(b) };
	CHECK_RES(invoke(s, TEST_CMD_MEMREF_INFO, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[1].value.a == 0 && op.params[1].value.b == 3);
}

static void memref_registered(TEEC_Session *s)
{
	/* The caller's own buffer, registered: partial memrefs into it, copied in and out around the call. */
	uint8_t *buf = malloc(64);
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)i;
	TEEC_SharedMemory shm = { .buffer = buf, .size = 64, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	CHECK_RES(TEEC_RegisterSharedMemory(&ctx, &shm), TEEC_SUCCESS);
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
						   TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE));
	op.params[0].memref = (TEEC_RegisteredMemoryReference){ &shm, 8, 0 };  /* bytes 0..7 */
	op.params[1].memref = (TEEC_RegisteredMemoryReference){ &shm, 8, 16 }; /* bytes 16..23 */
	op.params[2].memref = (TEEC_RegisteredMemoryReference){ &shm, 4, 40 }; /* bytes 40..43 */
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, NULL), TEEC_SUCCESS);
	CHECK(buf[16] == 7 && buf[23] == 0);
	CHECK(buf[40] == 41 && buf[43] == 44 && buf[44] == 44 && buf[39] == 39 && buf[15] == 15 && buf[24] == 24);
	/* Out of the parent's range: refused by the client API. */
	op.params[2].memref = (TEEC_RegisteredMemoryReference){ &shm, 8, 60 };
	uint32_t origin;
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	CHECK(origin == TEEC_ORIGIN_API);
	TEEC_ReleaseSharedMemory(&shm);
	free(buf);
}

static void memref_allocated(TEEC_Session *s)
{
	/* Memory from TEEC_AllocateSharedMemory is mapped by both processes. */
	TEEC_SharedMemory in = { .size = 4096, .flags = TEEC_MEM_INPUT };
	TEEC_SharedMemory out = { .size = 4096, .flags = TEEC_MEM_OUTPUT };
	TEEC_SharedMemory io = { .size = 16, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	CHECK_RES(TEEC_AllocateSharedMemory(&ctx, &in), TEEC_SUCCESS);
	CHECK_RES(TEEC_AllocateSharedMemory(&ctx, &out), TEEC_SUCCESS);
	CHECK_RES(TEEC_AllocateSharedMemory(&ctx, &io), TEEC_SUCCESS);
	for (int round = 0; round < 3; round++) {
		uint8_t *a = in.buffer, *c = io.buffer;
		for (int i = 0; i < 4096; i++)
			a[i] = (uint8_t)(i + round);
		memset(c, round, 16);
		TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_MEMREF_WHOLE, TEEC_MEMREF_WHOLE,
							   TEEC_NONE));
		op.params[0].memref.parent = &in;
		op.params[1].memref.parent = &out;
		op.params[2].memref.parent = &io;
		CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, NULL), TEEC_SUCCESS);
		uint8_t *b = out.buffer;
		CHECK(b[0] == (uint8_t)(4095 + round) && b[4095] == (uint8_t)round);
		CHECK(c[0] == round + 1 && c[15] == round + 1);
		CHECK(op.params[1].memref.size == 4096);
	}
	/* A WHOLE memref of output-only memory is an output for the TA: as input it is refused by the TA. */
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_MEMREF_WHOLE, TEEC_MEMREF_WHOLE,
						   TEEC_NONE));
	op.params[0].memref.parent = &out;
	op.params[1].memref.parent = &out;
	op.params[2].memref.parent = &io;
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, NULL), TEEC_ERROR_BAD_PARAMETERS);
	TEEC_ReleaseSharedMemory(&in);
	TEEC_ReleaseSharedMemory(&out);
	TEEC_ReleaseSharedMemory(&io);
	/* A new allocation after release gets a fresh mapping in the runner. */
	TEEC_SharedMemory again = { .size = 8, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	CHECK_RES(TEEC_AllocateSharedMemory(&ctx, &again), TEEC_SUCCESS);
	memset(again.buffer, 5, 8);
	op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
				    TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE));
	op.params[0].memref = (TEEC_RegisteredMemoryReference){ &again, 2, 0 };
	op.params[1].memref = (TEEC_RegisteredMemoryReference){ &again, 2, 2 };
	op.params[2].memref = (TEEC_RegisteredMemoryReference){ &again, 2, 6 };
	CHECK_RES(invoke(s, TEST_CMD_MEMREF, &op, NULL), TEEC_SUCCESS);
	CHECK(((uint8_t *)again.buffer)[6] == 6 && ((uint8_t *)again.buffer)[5] == 5);
	TEEC_ReleaseSharedMemory(&again);
}

/* --- heap ---------------------------------------------------------------------------------------- */

static void heap_stats(TEEC_Session *s, uint32_t *in_use, uint32_t *peak, uint32_t *cap, uint32_t *refused)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE));
	CHECK_RES(invoke(s, TEST_CMD_HEAP_STATS, &op, NULL), TEEC_SUCCESS);
	*in_use = op.params[0].value.a;
	*peak = op.params[0].value.b;
	*cap = op.params[1].value.a;
	*refused = op.params[1].value.b;
}

static TEEC_Result ta_size_cmd(TEEC_Session *s, uint32_t cmd, uint32_t size)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	op.params[0].value.a = size;
	return invoke(s, cmd, &op, NULL);
}

static void heap_cap_and_peak(TEEC_Session *s)
{
	uint32_t in_use, peak, cap, refused;
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(cap == TEST_TA_HEAP_BYTES && in_use == 0 && peak == 0 && refused == 0);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 40000), TEEC_SUCCESS);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 30000), TEEC_ERROR_OUT_OF_MEMORY); /* 70000 > 65536 */
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 25536), TEEC_SUCCESS);		/* exactly the cap */
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 1), TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 0), TEEC_SUCCESS); /* a zero-sized block costs nothing */
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(in_use == 65536 && peak == 65536 && refused == 2);
	CHECK_RES(invoke(s, TEST_CMD_FREE_ALL, NULL, NULL), TEEC_SUCCESS);
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(in_use == 0 && peak == 65536);
	CHECK_RES(invoke(s, TEST_CMD_HEAP_RESET_PEAK, NULL, NULL), TEEC_SUCCESS);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 100), TEEC_SUCCESS);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 200), TEEC_SUCCESS);
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(in_use == 300 && peak == 300 && refused == 0);
	CHECK_RES(invoke(s, TEST_CMD_FREE_ALL, NULL, NULL), TEEC_SUCCESS);
}

static void heap_realloc(TEEC_Session *s)
{
	uint32_t in_use, peak, cap, refused;
	CHECK_RES(ta_size_cmd(s, TEST_CMD_ALLOC, 1000), TEEC_SUCCESS);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_REALLOC_LAST, 60000), TEEC_SUCCESS);
	CHECK_RES(ta_size_cmd(s, TEST_CMD_REALLOC_LAST, 70000), TEEC_ERROR_OUT_OF_MEMORY);
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(in_use == 60000 && peak == 60000 && refused == 1); /* the refused growth kept the old block */
	CHECK_RES(ta_size_cmd(s, TEST_CMD_REALLOC_LAST, 10), TEEC_SUCCESS);
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(in_use == 10 && peak == 60000);
	CHECK_RES(invoke(s, TEST_CMD_FREE_ALL, NULL, NULL), TEEC_SUCCESS);
	heap_stats(s, &in_use, &peak, &cap, &refused);
	CHECK(in_use == 0);
}

/* --- storage ------------------------------------------------------------------------------------- */

static void persistent_survives_restart(TEEC_Session *s)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ "hello", 5 };
	CHECK_RES(invoke(s, TEST_CMD_STORE_WRITE, &op, NULL), TEEC_SUCCESS);
	/* The last session closes: the TA instance (its process) ends. A new session starts a new one. */
	TEEC_CloseSession(s);
	open_session(s);
	op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	CHECK_RES(invoke(s, TEST_CMD_OPEN_COUNT, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[0].value.a == 1); /* a fresh instance */
	char out[32] = { 0 };
	op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ out, sizeof(out) };
	CHECK_RES(invoke(s, TEST_CMD_STORE_READ, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[1].value.a == 10 && op.params[0].tmpref.size == 10 && !memcmp(out, "hellohello", 10));
	CHECK_RES(invoke(s, TEST_CMD_STORE_DELETE, NULL, NULL), TEEC_SUCCESS);
	CHECK_RES(invoke(s, TEST_CMD_STORE_DELETE, NULL, NULL), TEEC_ERROR_ITEM_NOT_FOUND);
	op.params[0].tmpref = (TEEC_TempMemoryReference){ out, sizeof(out) };
	CHECK_RES(invoke(s, TEST_CMD_STORE_READ, &op, NULL), TEEC_ERROR_ITEM_NOT_FOUND);
}

static void persistent_access_rules(TEEC_Session *s)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	CHECK_RES(invoke(s, TEST_CMD_STORE_RULES, &op, NULL), TEEC_SUCCESS);
	if (op.params[0].value.a)
		fprintf(stderr, "test_ta.c:%u: storage rule failed\n", op.params[0].value.a);
	CHECK(op.params[0].value.a == 0);
}

/* --- crypto -------------------------------------------------------------------------------------- */

static TEEC_Result x25519_set(TEEC_Session *s, uint32_t slot, const char *priv, const char *pub)
{
	uint8_t key[64];
	unhex(priv, key, 32);
	unhex(pub, key + 32, 32);
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE));
	op.params[0].value.a = slot;
	op.params[1].tmpref = (TEEC_TempMemoryReference){ key, sizeof(key) };
	return invoke(s, TEST_CMD_X25519_SET, &op, NULL);
}

static TEEC_Result x25519_derive(TEEC_Session *s, uint32_t slot, const uint8_t peer[32], uint8_t secret[32])
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
						   TEEC_NONE));
	op.params[0].value.a = slot;
	op.params[1].tmpref = (TEEC_TempMemoryReference){ (void *)peer, 32 };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ secret, 32 };
	TEEC_Result r = invoke(s, TEST_CMD_X25519_DERIVE, &op, NULL);
	CHECK(op.params[2].tmpref.size == 32);
	return r;
}

static void x25519_rfc7748(TEEC_Session *s)
{
	static const char *alice_priv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char *alice_pub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	static const char *bob_priv = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	static const char *bob_pub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
	uint8_t want[32], pa[32], pb[32], s1[32], s2[32];
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
	unhex(alice_pub, pa, 32);
	unhex(bob_pub, pb, 32);
	CHECK_RES(x25519_set(s, 0, alice_priv, alice_pub), TEEC_SUCCESS);
	CHECK_RES(x25519_set(s, 1, bob_priv, bob_pub), TEEC_SUCCESS);
	CHECK_RES(x25519_derive(s, 0, pb, s1), TEEC_SUCCESS);
	CHECK_RES(x25519_derive(s, 1, pa, s2), TEEC_SUCCESS);
	CHECK(!memcmp(s1, want, 32) && !memcmp(s2, want, 32));
	/* A key pair without its public half is refused (both attributes are required). */
	uint8_t half[32] = { 1 };
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE));
	op.params[1].tmpref = (TEEC_TempMemoryReference){ half, sizeof(half) };
	CHECK_RES(invoke(s, TEST_CMD_X25519_SET, &op, NULL), TEEC_ERROR_BAD_PARAMETERS);
}

static void x25519_agreement(TEEC_Session *s)
{
	uint8_t pub[2][32], secret[2][32];
	for (uint32_t slot = 0; slot < 2; slot++) {
		TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
							   TEEC_NONE));
		op.params[0].value.a = slot;
		op.params[1].tmpref = (TEEC_TempMemoryReference){ pub[slot], 32 };
		CHECK_RES(invoke(s, TEST_CMD_X25519_GENERATE, &op, NULL), TEEC_SUCCESS);
		CHECK(op.params[1].tmpref.size == 32);
	}
	CHECK(memcmp(pub[0], pub[1], 32) != 0);
	CHECK_RES(x25519_derive(s, 0, pub[1], secret[0]), TEEC_SUCCESS);
	CHECK_RES(x25519_derive(s, 1, pub[0], secret[1]), TEEC_SUCCESS);
	CHECK(!memcmp(secret[0], secret[1], 32));
	uint8_t zero[32] = { 0 };
	CHECK(memcmp(secret[0], zero, 32) != 0);
	/* The same secret from libsodium: X25519 as RFC 7748 defines it, not just self-consistent. */
	uint8_t sodium_side[32], sodium_priv[32], sodium_pub[32], ta_secret[32];
	randombytes_buf(sodium_priv, 32);
	crypto_scalarmult_curve25519_base(sodium_pub, sodium_priv);
	CHECK(crypto_scalarmult_curve25519(sodium_side, sodium_priv, pub[0]) == 0);
	CHECK_RES(x25519_derive(s, 0, sodium_pub, ta_secret), TEEC_SUCCESS);
	CHECK(!memcmp(sodium_side, ta_secret, 32));
}

static void hkdf_rfc5869(TEEC_Session *s)
{
	uint8_t ikm[22], salt[13], info[10], okm[42], want[42];
	unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm, sizeof(ikm));
	unhex("000102030405060708090a0b0c", salt, sizeof(salt));
	unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof(info));
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", want,
	      sizeof(want));
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT,
						   TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ ikm, sizeof(ikm) };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ salt, sizeof(salt) };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ info, sizeof(info) };
	op.params[3].tmpref = (TEEC_TempMemoryReference){ okm, sizeof(okm) };
	CHECK_RES(invoke(s, TEST_CMD_HKDF, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[3].tmpref.size == 42 && !memcmp(okm, want, 42));
}

/* AES-GCM parameter block: key, nonce, aad, tag, each a u32 length then the bytes. */
static size_t gcm_block(uint8_t *out, const uint8_t *key, uint32_t kl, const uint8_t *nonce, uint32_t nl,
			const uint8_t *aad, uint32_t al, const uint8_t *tag, uint32_t tl)
{
	static const uint8_t no_tag[16]; /* encrypting: only the tag's length counts */
	size_t at = 0;
	const uint8_t *parts[4] = { key, nonce, aad, tag ? tag : no_tag };
	uint32_t lens[4] = { kl, nl, al, tl };
	for (int i = 0; i < 4; i++) {
		memcpy(out + at, &lens[i], 4);
		at += 4;
		if (lens[i])
			memcpy(out + at, parts[i], lens[i]);
		at += lens[i];
	}
	return at;
}

static TEEC_Result gcm(TEEC_Session *s, int decrypt, uint32_t chunk, const uint8_t *block, size_t block_len,
		       const uint8_t *in, size_t n, uint8_t *out, size_t out_cap, size_t *out_len)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT,
						   TEEC_MEMREF_TEMP_OUTPUT));
	op.params[0].value.a = (uint32_t)decrypt;
	op.params[0].value.b = chunk;
	op.params[1].tmpref = (TEEC_TempMemoryReference){ (void *)block, block_len };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ (void *)in, n };
	op.params[3].tmpref = (TEEC_TempMemoryReference){ out, out_cap };
	TEEC_Result r = invoke(s, TEST_CMD_AES_GCM, &op, NULL);
	*out_len = op.params[3].tmpref.size;
	return r;
}

static void aes_gcm_nist(TEEC_Session *s)
{
	static const struct {
		const char *key, *iv, *pt, *aad, *ct, *tag;
	} v[] = {
		/* test case 13: empty */
		{ "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "",
		  "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
		/* test case 14: one zero block */
		{ "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
		  "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18",
		  "d0d1c8a799996bf0265b98b5d48ab919" },
		/* test case 16: 60 bytes of text, 20 of associated data */
		{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
		  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
		  "b16aedf5aa0de657ba637b39",
		  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
		  "c5f61e6393ba7a0abcc9f662",
		  "76fc6ece0f4e1768cddf8853bb2d551b" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t key[32], iv[12], pt[64], aad[32], ct[64], tag[16], block[256], out[96];
		size_t kl = unhex(v[i].key, key, sizeof(key)), il = unhex(v[i].iv, iv, sizeof(iv));
		size_t pl = unhex(v[i].pt, pt, sizeof(pt)), al = unhex(v[i].aad, aad, sizeof(aad));
		size_t cl = unhex(v[i].ct, ct, sizeof(ct)), tl = unhex(v[i].tag, tag, sizeof(tag));
		size_t bl = gcm_block(block, key, (uint32_t)kl, iv, (uint32_t)il, aad, (uint32_t)al, NULL, (uint32_t)tl);
		size_t out_len = 0;
		CHECK_RES(gcm(s, 0, 0, block, bl, pt, pl, out, sizeof(out), &out_len), TEEC_SUCCESS);
		CHECK(out_len == cl + tl && !memcmp(out, ct, cl) && !memcmp(out + cl, tag, tl));
		/* and back, with the tag */
		bl = gcm_block(block, key, (uint32_t)kl, iv, (uint32_t)il, aad, (uint32_t)al, tag, (uint32_t)tl);
		CHECK_RES(gcm(s, 1, 0, block, bl, ct, cl, out, sizeof(out), &out_len), TEEC_SUCCESS);
		CHECK(out_len == pl && !memcmp(out, pt, pl));
	}
}

static void aes_gcm_bad_tag(TEEC_Session *s)
{
	uint8_t key[32], iv[12], ct[60], aad[20], tag[16], block[256], out[64];
	unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
	unhex("cafebabefacedbaddecaf888", iv, 12);
	unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
	      "c5f61e6393ba7a0abcc9f662", ct, 60);
	unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
	unhex("76fc6ece0f4e1768cddf8853bb2d551b", tag, 16);
	size_t out_len, bl;
	/* A flipped tag bit, a flipped ciphertext bit, flipped associated data: all MAC_INVALID. */
	tag[15] ^= 1;
	bl = gcm_block(block, key, 32, iv, 12, aad, 20, tag, 16);
	CHECK_RES(gcm(s, 1, 0, block, bl, ct, 60, out, sizeof(out), &out_len), TA_ERROR_MAC_INVALID);
	tag[15] ^= 1;
	ct[30] ^= 0x80;
	bl = gcm_block(block, key, 32, iv, 12, aad, 20, tag, 16);
	CHECK_RES(gcm(s, 1, 0, block, bl, ct, 60, out, sizeof(out), &out_len), TA_ERROR_MAC_INVALID);
	ct[30] ^= 0x80;
	aad[0] ^= 1;
	bl = gcm_block(block, key, 32, iv, 12, aad, 20, tag, 16);
	CHECK_RES(gcm(s, 1, 0, block, bl, ct, 60, out, sizeof(out), &out_len), TA_ERROR_MAC_INVALID);
	aad[0] ^= 1;
	/* A 96-bit tag (AEInit with 96) is the 128-bit tag's prefix; flipped in its last byte it fails. */
	bl = gcm_block(block, key, 32, iv, 12, aad, 20, tag, 12);
	CHECK_RES(gcm(s, 1, 0, block, bl, ct, 60, out, sizeof(out), &out_len), TEEC_SUCCESS);
	tag[11] ^= 0x10;
	bl = gcm_block(block, key, 32, iv, 12, aad, 20, tag, 12);
	CHECK_RES(gcm(s, 1, 0, block, bl, ct, 60, out, sizeof(out), &out_len), TA_ERROR_MAC_INVALID);
	tag[11] ^= 0x10;
	/* The good one still passes (the TA is alive and well). */
	bl = gcm_block(block, key, 32, iv, 12, aad, 20, tag, 16);
	CHECK_RES(gcm(s, 1, 0, block, bl, ct, 60, out, sizeof(out), &out_len), TEEC_SUCCESS);
}

static void aes_gcm_streaming(TEEC_Session *s)
{
	/* Any split of the text, any nonce length: the same bytes and tag as mbedTLS in one shot. */
	static const uint32_t chunks[] = { 0, 1, 7, 16, 33, 4096 };
	static const size_t lengths[] = { 0, 1, 15, 16, 17, 100, 5000 };
	static const size_t nonce_lengths[] = { 12, 1, 60 };
	uint8_t key[32], nonce[60], aad[37], block[256];
	uint8_t *pt = malloc(5000), *ref = malloc(5000), *out = malloc(5000 + 16), *back = malloc(5000);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(aad, sizeof(aad));
	randombytes_buf(pt, 5000);
	for (size_t ni = 0; ni < 3; ni++) {
		for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
			size_t n = lengths[li], nl = nonce_lengths[ni];
			uint8_t ref_tag[16];
			mbedtls_gcm_context g;
			mbedtls_gcm_init(&g);
			mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256);
			CHECK(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, nonce, nl, aad, sizeof(aad), pt, ref,
							16, ref_tag) == 0);
			mbedtls_gcm_free(&g);
			for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
				size_t bl = gcm_block(block, key, 32, nonce, (uint32_t)nl, aad, sizeof(aad), NULL, 16);
				size_t out_len = 0;
				CHECK_RES(gcm(s, 0, chunks[ci], block, bl, pt, n, out, n + 16, &out_len), TEEC_SUCCESS);
				CHECK(out_len == n + 16 && !memcmp(out, ref, n) && !memcmp(out + n, ref_tag, 16));
				bl = gcm_block(block, key, 32, nonce, (uint32_t)nl, aad, sizeof(aad), ref_tag, 16);
				CHECK_RES(gcm(s, 1, chunks[ci], block, bl, ref, n, back, n, &out_len), TEEC_SUCCESS);
				CHECK(out_len == n && !memcmp(back, pt, n));
			}
		}
	}
	free(pt);
	free(ref);
	free(out);
	free(back);
}

static void sha256_vectors(TEEC_Session *s)
{
	static const struct {
		const char *msg, *digest;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	for (size_t i = 0; i < 3; i++) {
		for (uint32_t chunk = 0; chunk < 5; chunk += 3) {
			uint8_t want[32], got[32];
			unhex(v[i].digest, want, 32);
			TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
								   TEEC_VALUE_INPUT, TEEC_NONE));
			op.params[0].tmpref = (TEEC_TempMemoryReference){ (void *)v[i].msg, strlen(v[i].msg) };
			op.params[1].tmpref = (TEEC_TempMemoryReference){ got, sizeof(got) };
			op.params[2].value.a = chunk;
			CHECK_RES(invoke(s, TEST_CMD_SHA256, &op, NULL), TEEC_SUCCESS);
			CHECK(op.params[1].tmpref.size == 32 && !memcmp(got, want, 32));
		}
	}
	/* A digest buffer too small: the TA is told the size it needs. */
	uint8_t small[16];
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_INPUT,
						   TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ "abc", 3 };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ small, sizeof(small) };
	CHECK_RES(invoke(s, TEST_CMD_SHA256, &op, NULL), TEEC_ERROR_SHORT_BUFFER);
	CHECK(op.params[1].tmpref.size == 32);
}

static TEEC_Result ed25519_verify(TEEC_Session *s, const uint8_t *pub, const uint8_t *msg, size_t n,
				  const uint8_t *sig, size_t sig_len)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT,
						   TEEC_MEMREF_TEMP_INPUT, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ (void *)pub, 32 };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ (void *)msg, n };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ (void *)sig, sig_len };
	return invoke(s, TEST_CMD_ED25519_VERIFY, &op, NULL);
}

static void ed25519_rfc8032(TEEC_Session *s)
{
	uint8_t pub[32], sig[64], pub2[32], sig2[64], msg2[1] = { 0x72 };
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pub, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
	      "d25bf5f0595bbe24655141438e7a100b", sig, 64);
	unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", pub2, 32);
	unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
	      "387b2eaeb4302aeeb00d291612bb0c00", sig2, 64);
	CHECK_RES(ed25519_verify(s, pub, (const uint8_t *)"", 0, sig, 64), TEEC_SUCCESS);
	CHECK_RES(ed25519_verify(s, pub2, msg2, 1, sig2, 64), TEEC_SUCCESS);
	sig[10] ^= 0x04; /* a flipped signature bit */
	CHECK_RES(ed25519_verify(s, pub, (const uint8_t *)"", 0, sig, 64), TA_ERROR_SIGNATURE_INVALID);
	sig[10] ^= 0x04;
	CHECK_RES(ed25519_verify(s, pub, (const uint8_t *)"x", 1, sig, 64), TA_ERROR_SIGNATURE_INVALID);
	CHECK_RES(ed25519_verify(s, pub2, (const uint8_t *)"", 0, sig, 64), TA_ERROR_SIGNATURE_INVALID);
	CHECK_RES(ed25519_verify(s, pub, (const uint8_t *)"", 0, sig, 63), TA_ERROR_SIGNATURE_INVALID);
}

static void ed25519_sign_verify(TEEC_Session *s)
{
	const char *msg = "a model header";
	uint8_t sig[64], pub[32];
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
						   TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE));
	op.params[0].tmpref = (TEEC_TempMemoryReference){ (void *)msg, strlen(msg) };
	op.params[1].tmpref = (TEEC_TempMemoryReference){ sig, sizeof(sig) };
	op.params[2].tmpref = (TEEC_TempMemoryReference){ pub, sizeof(pub) };
	CHECK_RES(invoke(s, TEST_CMD_ED25519_SIGN, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[1].tmpref.size == 64 && op.params[2].tmpref.size == 32);
	/* libsodium on this side agrees, and so does the TA's verify. */
	CHECK(crypto_sign_ed25519_verify_detached(sig, (const uint8_t *)msg, strlen(msg), pub) == 0);
	CHECK_RES(ed25519_verify(s, pub, (const uint8_t *)msg, strlen(msg), sig, 64), TEEC_SUCCESS);
}

/* --- lifecycle ----------------------------------------------------------------------------------- */

static void dead_then_recovers(TEEC_Session *s, uint32_t cmd)
{
	uint32_t origin = 0;
	CHECK_RES(invoke(s, cmd, NULL, &origin), TEEC_ERROR_TARGET_DEAD);
	CHECK(origin == TEEC_ORIGIN_TEE);
	CHECK_RES(invoke(s, TEST_CMD_NOP, NULL, &origin), TEEC_ERROR_TARGET_DEAD); /* and stays dead */
	TEEC_CloseSession(s);
	open_session(s); /* a new instance */
	CHECK_RES(invoke(s, TEST_CMD_NOP, NULL, NULL), TEEC_SUCCESS);
}

static void ta_panic_is_target_dead(TEEC_Session *s)
{
	dead_then_recovers(s, TEST_CMD_PANIC);
}

static void ta_crash_is_target_dead(TEEC_Session *s)
{
	dead_then_recovers(s, TEST_CMD_CRASH);
}

static void stack_overflow_is_target_dead(TEEC_Session *s)
{
	/* Half the TA's 32 KiB stack is fine; 4 MiB is far past TA_STACK_SIZE: the TA dies, as on OP-TEE. */
	CHECK_RES(ta_size_cmd(s, TEST_CMD_STACK, 16 * 1024), TEEC_SUCCESS);
	uint32_t origin = 0;
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	op.params[0].value.a = 4u << 20;
	CHECK_RES(invoke(s, TEST_CMD_STACK, &op, &origin), TEEC_ERROR_TARGET_DEAD);
	CHECK(origin == TEEC_ORIGIN_TEE);
}

static void ta_not_found(TEEC_Session *s)
{
	(void)s;
	TEEC_UUID other = { 0x12345678, 0x1234, 0x1234, { 1, 2, 3, 4, 5, 6, 7, 8 } };
	TEEC_Session t;
	uint32_t origin = 0;
	CHECK_RES(TEEC_OpenSession(&ctx, &t, &other, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin), TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK(origin == TEEC_ORIGIN_TEE);
}

static void sessions_share_instance(TEEC_Session *s)
{
	/* TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION: a second session reaches the same instance. */
	TEEC_Session t;
	open_session(&t);
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	CHECK_RES(invoke(&t, TEST_CMD_OPEN_COUNT, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[0].value.a == 2);
	TEEC_CloseSession(&t);
	CHECK_RES(invoke(s, TEST_CMD_OPEN_COUNT, &op, NULL), TEEC_SUCCESS); /* the first one lives on */
	CHECK(op.params[0].value.a == 2);
}

static void ta_ram_too_small(TEEC_Session *s)
{
	/* TEESIM_TA_RAM_BYTES plays the secure RAM a TA's heap and stack are reserved from at load:
	 * a TA that does not fit fails to open with TEEC_ERROR_OUT_OF_MEMORY, as on OP-TEE. */
	TEEC_CloseSession(s);
	setenv("TEESIM_TA_RAM_BYTES", "65536", 1); /* < 64 KiB heap + 32 KiB stack */
	uint32_t origin = 0;
	CHECK_RES(TEEC_OpenSession(&ctx, s, &test_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin),
		  TEEC_ERROR_OUT_OF_MEMORY);
	setenv("TEESIM_TA_RAM_BYTES", "98304", 1); /* exactly heap + stack */
	open_session(s);
	unsetenv("TEESIM_TA_RAM_BYTES");
}

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void switch_cost_lower_bound(TEEC_Session *s)
{
	(void)s;
	/* A context made with TEESIM_SWITCH_COST_US spends at least that per entry. Only the lower
	 * bound is checked: a loaded machine can make it slower, never faster. */
	TEEC_Context costly;
	TEEC_Session t;
	setenv("TEESIM_SWITCH_COST_US", "2000", 1);
	CHECK_RES(TEEC_InitializeContext(NULL, &costly), TEEC_SUCCESS);
	unsetenv("TEESIM_SWITCH_COST_US");
	CHECK_RES(TEEC_OpenSession(&costly, &t, &test_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, NULL), TEEC_SUCCESS);
	uint64_t t0 = now_us();
	for (int i = 0; i < 5; i++)
		CHECK_RES(invoke(&t, TEST_CMD_NOP, NULL, NULL), TEEC_SUCCESS);
	CHECK(now_us() - t0 >= 5 * 2000);
	TEEC_CloseSession(&t);
	TEEC_FinalizeContext(&costly);
}

static void properties(TEEC_Session *s)
{
	TEEC_Operation op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	CHECK_RES(invoke(s, TEST_CMD_PROPERTIES, &op, NULL), TEEC_SUCCESS);
	CHECK(op.params[0].value.a == TEST_TA_HEAP_BYTES && op.params[0].value.b == 32 * 1024);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(TEEC_Session *);
	} cases[] = {
#define CASE(n) { #n, n }
		CASE(value_params), CASE(memref_temp_in_out_inout), CASE(memref_short_buffer), CASE(memref_null),
		CASE(memref_registered), CASE(memref_allocated), CASE(heap_cap_and_peak), CASE(heap_realloc),
		CASE(persistent_survives_restart), CASE(persistent_access_rules), CASE(x25519_rfc7748),
		CASE(x25519_agreement), CASE(hkdf_rfc5869), CASE(aes_gcm_nist), CASE(aes_gcm_streaming),
		CASE(aes_gcm_bad_tag), CASE(sha256_vectors), CASE(ed25519_rfc8032), CASE(ed25519_sign_verify),
		CASE(ta_panic_is_target_dead), CASE(ta_crash_is_target_dead), CASE(ta_not_found),
		CASE(sessions_share_instance), CASE(properties), CASE(ta_ram_too_small), CASE(switch_cost_lower_bound),
		CASE(stack_overflow_is_target_dead),
#undef CASE
	};
	if (argc != 2) {
		fprintf(stderr, "usage: teesim_tests <case>\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name) != 0)
			continue;
		if (sodium_init() < 0 || !mkdtemp(storage))
			return 2;
		setenv("TEESIM_STORAGE_DIR", storage, 1);
		CHECK_RES(TEEC_InitializeContext(NULL, &ctx), TEEC_SUCCESS);
		TEEC_Session s;
		open_session(&s);
		cases[i].run(&s);
		TEEC_CloseSession(&s);
		TEEC_FinalizeContext(&ctx);
		nftw(storage, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
		if (failures)
			fprintf(stderr, "%s: %d failure(s)\n", argv[1], failures);
		return failures ? 1 : 0;
	}
	fprintf(stderr, "unknown case %s\n", argv[1]);
	return 2;
}

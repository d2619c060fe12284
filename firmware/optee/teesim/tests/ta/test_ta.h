/* The contract between teesim's test TA and its tests (as optee_examples' <name>_ta.h). */
#ifndef TEESIM_TEST_TA_H
#define TEESIM_TEST_TA_H

#define TEST_TA_UUID                                                                                   \
	{ 0x7e35c1a2, 0x51d4, 0x4c0b, { 0x9a, 0x61, 0x3f, 0x0e, 0x2d, 0x77, 0x4b, 0x18 } }

/* TA_DATA_SIZE: small, so that the tests reach the cap. */
#define TEST_TA_HEAP_BYTES (64 * 1024)

enum test_ta_cmd {
	TEST_CMD_NOP,		/* nothing: the empty invoke the benchmark times */
	TEST_CMD_VALUE,		/* [0] value in (a, b), [1] value out (a + b, a * b), [2] value inout (a+1, b+1) */
	TEST_CMD_MEMREF,	/* [0] in, [1] out = reverse of in, [2] inout: each byte + 1 */
	TEST_CMD_MEMREF_INFO,	/* [0] memref in, [1] value out (a = buffer is NULL, b = size) */
	TEST_CMD_ALLOC,		/* [0] value in a = size; result TEE_ERROR_OUT_OF_MEMORY when refused */
	TEST_CMD_REALLOC_LAST,	/* [0] value in a = new size of the last block */
	TEST_CMD_FREE_ALL,
	TEST_CMD_HEAP_STATS,	/* [0] value out (in use, peak), [1] value out (cap, refused count) */
	TEST_CMD_HEAP_RESET_PEAK,
	TEST_CMD_STORE_WRITE,	/* [0] memref in: (re)create object "data" with it, then append it again */
	TEST_CMD_STORE_READ,	/* [0] memref out: the object's data, [1] value out (a = data size) */
	TEST_CMD_STORE_DELETE,	/* result TEE_ERROR_ITEM_NOT_FOUND when there is none */
	TEST_CMD_STORE_RULES,	/* checks access rules in the TA; [0] value out a = failing line (0: none) */
	TEST_CMD_X25519_SET,	/* [0] value in a = slot, [1] memref in: private (32) || public (32) */
	TEST_CMD_X25519_GENERATE, /* [0] value in a = slot, [1] memref out: public value */
	TEST_CMD_X25519_DERIVE,	/* [0] value in a = slot, [1] memref in peer public, [2] memref out secret */
	TEST_CMD_HKDF,		/* [0] ikm, [1] salt, [2] info (memrefs in), [3] memref out okm (its size = L) */
	TEST_CMD_AES_GCM,	/* [0] value in (a = 0 encrypt / 1 decrypt, b = update chunk, 0: all in final),
				 * [1] memref in: key, nonce, aad, tag (each a u32 length then bytes),
				 * [2] memref in: text, [3] memref out: text (|| tag when encrypting) */
	TEST_CMD_SHA256,	/* [0] memref in message, [1] memref out digest, [2] value in a = chunk */
	TEST_CMD_ED25519_VERIFY, /* [0] public key, [1] message, [2] signature: result SUCCESS or SIGNATURE_INVALID */
	TEST_CMD_ED25519_SIGN,	/* fresh key: [0] memref in message, [1] memref out signature, [2] memref out public */
	TEST_CMD_PANIC,
	TEST_CMD_CRASH,
	TEST_CMD_OPEN_COUNT,	/* [0] value out a = sessions this instance opened so far */
	TEST_CMD_PROPERTIES,	/* [0] value out (gpd.ta.dataSize, gpd.ta.stackSize) */
	TEST_CMD_STACK,		/* [0] value in a = bytes of stack to use */
};

#endif

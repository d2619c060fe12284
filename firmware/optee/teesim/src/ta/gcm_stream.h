/* AES-GCM for any split of the data, as TEE_AEUpdate allows. mbedTLS 2.28's GCM takes the associated
 * data in one piece, and payload in multiples of 16 bytes except the last. Whole blocks at a block
 * boundary go straight through mbedTLS. The bytes of a partial block are produced here, with the
 * keystream continuing mbedTLS's counter (so any nonce length works). They are also kept, and handed
 * to mbedTLS once whole blocks are complete, for the tag only. */
#ifndef TEESIM_GCM_STREAM_H
#define TEESIM_GCM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>

#define TEESIM_GCM_BATCH 4096

struct teesim_gcm {
	mbedtls_gcm_context ghash; /* the operation's mode: it hashes the ciphertext either way */
	mbedtls_aes_context aes;
	bool encrypt, started;
	uint8_t iv[64];
	size_t iv_len;
	uint8_t *aad; /* held until the payload starts */
	size_t aad_len;
	uint8_t ctr[16], keystream[16];
	unsigned keystream_used;
	uint8_t pending[TEESIM_GCM_BATCH]; /* input of partial blocks, not yet given to mbedTLS */
	size_t n_pending;
};

/* 0 on success; key 16, 24 or 32 bytes; iv 1..64 bytes. */
int teesim_gcm_init(struct teesim_gcm *g, bool encrypt, const uint8_t *key, size_t key_len, const uint8_t *iv,
		    size_t iv_len);
int teesim_gcm_aad(struct teesim_gcm *g, const uint8_t *aad, size_t len);
int teesim_gcm_update(struct teesim_gcm *g, const uint8_t *in, size_t len, uint8_t *out);
/* The tag of everything so far (tag_len 4..16). */
int teesim_gcm_tag(struct teesim_gcm *g, uint8_t *tag, size_t tag_len);
void teesim_gcm_free(struct teesim_gcm *g);

#endif

#include "gcm_stream.h"

#include <stdlib.h>
#include <string.h>

int teesim_gcm_init(struct teesim_gcm *g, bool encrypt, const uint8_t *key, size_t key_len, const uint8_t *iv,
		    size_t iv_len)
{
	memset(g, 0, sizeof(*g));
	mbedtls_gcm_init(&g->ghash);
	mbedtls_aes_init(&g->aes);
	if (iv_len == 0 || iv_len > sizeof(g->iv))
		return -1;
	g->encrypt = encrypt;
	memcpy(g->iv, iv, iv_len);
	g->iv_len = iv_len;
	g->keystream_used = sizeof(g->keystream);
	if (mbedtls_gcm_setkey(&g->ghash, MBEDTLS_CIPHER_ID_AES, key, (unsigned)key_len * 8) != 0)
		return -1;
	return mbedtls_aes_setkey_enc(&g->aes, key, (unsigned)key_len * 8);
}

int teesim_gcm_aad(struct teesim_gcm *g, const uint8_t *aad, size_t len)
{
	if (g->started)
		return -1;
	if (!len)
		return 0;
	uint8_t *grown = realloc(g->aad, g->aad_len + len);
	if (!grown)
		return -1;
	memcpy(grown + g->aad_len, aad, len);
	g->aad = grown;
	g->aad_len += len;
	return 0;
}

static int start(struct teesim_gcm *g)
{
	if (g->started)
		return 0;
	g->started = true;
	int rc = mbedtls_gcm_starts(&g->ghash, g->encrypt ? MBEDTLS_GCM_ENCRYPT : MBEDTLS_GCM_DECRYPT, g->iv,
				    g->iv_len, g->aad, g->aad_len);
	/* J0, computed by mbedTLS for any nonce length; the payload keystream starts at inc32(J0). */
	memcpy(g->ctr, g->ghash.y, sizeof(g->ctr));
	return rc;
}

static void inc32(uint8_t ctr[16])
{
	for (int i = 15; i >= 12; i--)
		if (++ctr[i])
			break;
}

static int flush(struct teesim_gcm *g, bool last)
{
	size_t n = last ? g->n_pending : g->n_pending - g->n_pending % 16;
	if (!n)
		return 0;
	uint8_t discard[TEESIM_GCM_BATCH];
	int rc = mbedtls_gcm_update(&g->ghash, n, g->pending, discard);
	memmove(g->pending, g->pending + n, g->n_pending - n);
	g->n_pending -= n;
	return rc;
}

int teesim_gcm_update(struct teesim_gcm *g, const uint8_t *in, size_t len, uint8_t *out)
{
	if (start(g) != 0)
		return -1;
	size_t i = 0;
	while (i < len) {
		/* At a block boundary: hand over the kept blocks, then whole blocks go straight through. */
		if (g->keystream_used == sizeof(g->keystream) && g->n_pending % 16 == 0) {
			if (flush(g, false) != 0)
				return -1;
			size_t whole = (len - i) / 16 * 16;
			if (whole) {
				if (mbedtls_gcm_update(&g->ghash, whole, in + i, out + i) != 0)
					return -1;
				memcpy(g->ctr, g->ghash.y, sizeof(g->ctr));
				i += whole;
				continue;
			}
		}
		/* A partial block: this byte now, its block to mbedTLS once complete (same counter, same
		 * output, which it then discards; it hashes the ciphertext it sees or makes). */
		if (g->keystream_used == sizeof(g->keystream)) {
			inc32(g->ctr);
			if (mbedtls_aes_crypt_ecb(&g->aes, MBEDTLS_AES_ENCRYPT, g->ctr, g->keystream) != 0)
				return -1;
			g->keystream_used = 0;
		}
		uint8_t x = in[i];
		out[i] = x ^ g->keystream[g->keystream_used++];
		g->pending[g->n_pending++] = x;
		if (g->n_pending == sizeof(g->pending) && flush(g, false) != 0)
			return -1;
		i++;
	}
	return 0;
}

int teesim_gcm_tag(struct teesim_gcm *g, uint8_t *tag, size_t tag_len)
{
	if (start(g) != 0 || flush(g, true) != 0)
		return -1;
	return mbedtls_gcm_finish(&g->ghash, tag, tag_len);
}

void teesim_gcm_free(struct teesim_gcm *g)
{
	mbedtls_gcm_free(&g->ghash);
	mbedtls_aes_free(&g->aes);
	free(g->aad);
	memset(g, 0, sizeof(*g));
}

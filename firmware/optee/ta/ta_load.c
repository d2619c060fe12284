/*
 * LOAD: the sealed stream into a staging model for one place (protocol/CONTAINER.md §7.6). The header is checked before
 * anything is decrypted; each segment is decrypted straight from the parameter memory as its pieces arrive (each
 * ciphertext byte read once, never copied) into the load's one buffer, and that plaintext reaches the .rtm
 * decoder only after the segment's tag verified; at the end, the digest (the decoder's RTM_DONE), the signature,
 * then the swap and the rollback counter. Any refusal drops the staging model; the place's model (and every other
 * place's) is never touched before the swap. Every place's model counts in the one heap budget, so a model that
 * does not fit beside the others is refused with need/have.
 */
#include <string.h>

#include "rtinfer_nn/sha256.h"
#include "ta_crypto.h"
#include "ta_memory.h"
#include "ta_state.h"
#include "ta_storage.h"

ta_state g_ta;

static uint32_t refuse(uint32_t code, uint32_t index, uint64_t need, uint64_t have, uint64_t at) {
  ta_load_state *load = &g_ta.load;
  memset(&load->facts, 0, sizeof load->facts);
  load->facts.index = index;
  load->facts.need = need;
  load->facts.have = have;
  load->facts.at = at;
  return code;
}

static int same_key(const uint8_t *a, const uint8_t *b) { return TEE_MemCompare(a, b, RTMS_KEY_BYTES) == 0; }

/* §7.6 at the header: recipient, device, rollback, the signer rule; then the content key and the plaintext buffer. */
static uint32_t on_header(void *context, const uint8_t *bytes, size_t length, const rtms_header *header) {
  ta_load_state *load = context;
  uint8_t public_key[RTMS_KEY_BYTES], device[RTINFER_TA_MAX_DEVICE_ID];
  size_t device_length = 0;
  TEE_Result result = ta_storage_open_key(&load->key, public_key, device, &device_length);
  if (result != TEE_SUCCESS) return refuse(result, 0, 0, 0, 0);
  if (!same_key(header->recipient, public_key)) return refuse(RTINFER_TA_ERROR_RECIPIENT, 0, 0, 0, 0);
  if (header->device_length != device_length || memcmp(header->device, device, device_length) != 0) {
    return refuse(RTINFER_TA_ERROR_DEVICE, 0, device_length, header->device_length, 0);
  }
  uint64_t held = 0; /* this model's own counter: the TA holds several models, each at its own generation */
  result = ta_storage_model_generation(header->model, header->model_length, &held);
  if (result != TEE_SUCCESS) return refuse(result, 0, 0, 0, 0);
  if (header->generation < held) return refuse(RTINFER_TA_ERROR_ROLLBACK, 0, held, header->generation, 0);
  ta_signers signers;
  result = ta_storage_signers(&signers);
  if (result != TEE_SUCCESS) return refuse(result, 0, 0, 0, 0);
  if (!header->signer) {
    if (signers.required) return refuse(RTINFER_TA_ERROR_UNSIGNED, 0, 0, 0, 0);
  } else {
    uint32_t k = 0;
    while (k < signers.count && !same_key(signers.keys[k], header->signer)) k++;
    if (k == signers.count) return refuse(RTINFER_TA_ERROR_SIGNER_UNKNOWN, 0, signers.count, 0, 0);
  }
  rtm_sha256 hash;
  rtm_sha256_init(&hash);
  rtm_sha256_update(&hash, bytes, length);
  rtm_sha256_final(&hash, load->header_hash);
  result = ta_crypto_content_key(load->key, header->ephemeral, load->header_hash, &load->aes, load->nonce_base);
  if (result != TEE_SUCCESS) return refuse(result == TEE_ERROR_SECURITY ? RTINFER_TA_ERROR_FORMAT : result, 0, 0, 0, 0);
  /* One segment's plaintext, decrypted as it arrives and used only once authentic: the load's only buffer. */
  load->plaintext_bytes = header->segment_size;
  uint64_t need = 0, have = 0;
  load->plaintext = ta_memory_take(load->plaintext_bytes, &need, &have);
  if (!load->plaintext) {
    load->plaintext_bytes = 0;
    return refuse(need > have ? RTINFER_TA_ERROR_BUDGET : TEE_ERROR_OUT_OF_MEMORY, 0, need, have, 0);
  }
  return 0;
}

/* Keeps the last RTMS_HASH_BYTES plaintext bytes: the container's digest item ends the plaintext. */
static void keep_tail(ta_load_state *load, const uint8_t *plaintext, size_t length) {
  if (length >= RTMS_HASH_BYTES) {
    memcpy(load->tail, plaintext + length - RTMS_HASH_BYTES, RTMS_HASH_BYTES);
  } else {
    memmove(load->tail, load->tail + length, RTMS_HASH_BYTES - length);
    memcpy(load->tail + RTMS_HASH_BYTES - length, plaintext, length);
  }
}

/* A failure of the AES operation itself (not a tag): refused at that segment. */
static uint32_t refuse_segment(TEE_Result result, uint32_t index) {
  return refuse(result == TEE_ERROR_MAC_INVALID ? RTINFER_TA_ERROR_AUTHENTICATION : result, index, 0, 0,
                rtms_stream_segment_offset(&g_ta.load.stream, index));
}

static uint32_t on_ciphertext(void *context, uint32_t index, size_t at, const uint8_t *bytes, size_t length) {
  ta_load_state *load = context;
  TEE_Result result = TEE_SUCCESS;
  if (at == 0) {
    uint8_t nonce[RTMS_NONCE_BYTES];
    const int final = index + 1u == rtms_segment_count(rtms_stream_header(&load->stream));
    rtms_segment_nonce(load->nonce_base, index, final, nonce);
    size_t aad_length = 0;
    const uint8_t *aad = rtms_stream_header_bytes(&load->stream, &aad_length);
    load->plaintext_used = 0;
    result = ta_crypto_segment_begin(load->aes, nonce, aad, aad_length,
                                     rtms_segment_plaintext_bytes(rtms_stream_header(&load->stream), index));
  }
  size_t written = 0;
  if (result == TEE_SUCCESS) {
    result = ta_crypto_segment_update(load->aes, bytes, length, load->plaintext + load->plaintext_used,
                                      load->plaintext_bytes - load->plaintext_used, &written);
  }
  if (result != TEE_SUCCESS) return refuse_segment(result, index);
  load->plaintext_used += written;
  return 0;
}

static uint32_t on_segment_end(void *context, uint32_t index, int final, const uint8_t tag[RTMS_TAG_BYTES]) {
  ta_load_state *load = context;
  size_t written = 0;
  TEE_Result result = ta_crypto_segment_finish(load->aes, tag, load->plaintext + load->plaintext_used,
                                               load->plaintext_bytes - load->plaintext_used, &written);
  if (result != TEE_SUCCESS) return refuse_segment(result, index);
  const size_t length = load->plaintext_used + written;
  load->plaintext_used = 0;
  if (length != rtms_segment_plaintext_bytes(rtms_stream_header(&load->stream), index)) {
    return refuse_segment(TEE_ERROR_BAD_STATE, index);
  }
  /* Authentic: only now does any of it reach the decoder. */
  keep_tail(load, load->plaintext, length);
  result = ta_model_feed(load->staging, load->plaintext, length, &load->facts);
  if (result != TEE_SUCCESS) {
    load->facts.index = index;
    load->facts.at = rtms_stream_segment_offset(&load->stream, index);
    return result;
  }
  if (final && !load->staging->decoded) {
    /* Authentic, yet the container inside ends before its digest: the sealer sealed a truncated .rtm. */
    uint32_t code = refuse(RTINFER_TA_ERROR_CONTAINER, index, 0, 0, rtms_stream_segment_offset(&load->stream, index));
    load->facts.reason = (uint32_t)RTM_NEED_MORE;
    return code;
  }
  return 0;
}

static uint32_t on_signature(void *context, const uint8_t signature[RTMS_SIGNATURE_BYTES]) {
  ta_load_state *load = context;
  uint8_t message[RTMS_SIGNED_MESSAGE_BYTES];
  rtms_signed_message(load->header_hash, load->tail, message);
  TEE_Result result = ta_crypto_verify(rtms_stream_header(&load->stream)->signer, message, sizeof message, signature);
  if (result == TEE_ERROR_SIGNATURE_INVALID) return refuse(RTINFER_TA_ERROR_SIGNATURE, 0, 0, 0, rtms_stream_total(&load->stream) - RTMS_SIGNATURE_BYTES);
  return result == TEE_SUCCESS ? 0 : refuse(result, 0, 0, 0, 0);
}

/* Frees the load's own buffer and handles (not the staging model). */
static void close_load(void) {
  ta_load_state *load = &g_ta.load;
  ta_memory_give(load->plaintext, load->plaintext_bytes);
  if (load->aes != TEE_HANDLE_NULL) TEE_FreeOperation(load->aes);
  if (load->key != TEE_HANDLE_NULL) TEE_CloseObject(load->key);
  TEE_MemFill(load->nonce_base, 0, sizeof load->nonce_base);
  load->plaintext = NULL;
  load->plaintext_bytes = 0;
  load->aes = TEE_HANDLE_NULL;
  load->key = TEE_HANDLE_NULL;
  load->in_progress = 0;
}

void ta_load_abort(void) {
  if (!g_ta.load.in_progress) return;
  close_load();
  ta_model_release(g_ta.load.staging);
}

static void begin(uint32_t flags) {
  ta_load_state *load = &g_ta.load;
  memset(load, 0, sizeof *load);
  load->in_progress = 1;
  load->key = TEE_HANDLE_NULL;
  load->aes = TEE_HANDLE_NULL;
  load->place = (flags >> RTINFER_TA_LOAD_PLACE_SHIFT) & 0xffu;
  /* A record no place holds: there is always one, as there is one record more than places. */
  load->staging = NULL;
  for (uint32_t r = 0; r <= RTINFER_TA_MAX_MODELS && !load->staging; r++) {
    uint32_t p = 0;
    while (p < RTINFER_TA_MAX_MODELS && g_ta.held[p] != &g_ta.models[r]) p++;
    if (p == RTINFER_TA_MAX_MODELS) load->staging = &g_ta.models[r];
  }
  ta_model_release(load->staging);
  uint32_t slots = (flags >> RTINFER_TA_LOAD_SLOTS_SHIFT) & 0xffu;
  load->staging->slot_count = slots == 0 ? 1u : slots;
  load->staging->sparse = (flags & RTINFER_TA_LOAD_SPARSE) != 0;
  const rtms_stream_hooks hooks = {load, on_header, on_ciphertext, on_segment_end, on_signature};
  rtms_stream_init(&load->stream, &hooks);
}

/* Everything passed: the staging model replaces its place's, and its model's counter (and the device's) moves up
 * to its generation. */
static TEE_Result activate(void) {
  ta_load_state *load = &g_ta.load;
  const rtms_header *header = rtms_stream_header(&load->stream);
  const uint64_t generation = header->generation;
  TEE_Result result = ta_storage_set_model_generation(header->model, header->model_length, generation);
  if (result != TEE_SUCCESS) return result;
  load->staging->generation = generation;
  ta_model *old = g_ta.held[load->place];
  g_ta.held[load->place] = load->staging;
  if (old) ta_model_release(old);
  close_load();
  return TEE_SUCCESS;
}

static TEE_Result stream_refusal(rtms_stream_status status, rtinfer_ta_facts *facts) {
  ta_load_state *load = &g_ta.load;
  TEE_Result result;
  switch (status) {
    case RTMS_STREAM_HOOK:
      result = rtms_stream_hook_result(&load->stream);
      *facts = load->facts;
      break;
    case RTMS_STREAM_TRAILING:
      result = RTINFER_TA_ERROR_TRAILING;
      facts->need = rtms_stream_total(&load->stream);
      facts->have = load->stream.received;
      break;
    case RTMS_STREAM_FRAMING:
      result = RTINFER_TA_ERROR_FORMAT;
      facts->reason = (uint32_t)rtms_stream_framing(&load->stream);
      break;
    default:
      result = TEE_ERROR_BAD_STATE;
      break;
  }
  ta_load_abort();
  return result;
}

TEE_Result ta_load_command(const uint8_t *chunk, size_t length, uint32_t offset, uint32_t flags, uint32_t *received,
                           uint32_t *active, rtinfer_ta_facts *facts) {
  ta_load_state *load = &g_ta.load;
  memset(facts, 0, sizeof *facts);
  if (flags & RTINFER_TA_LOAD_RESTART) ta_load_abort();
  *active = 0;
  *received = load->in_progress ? (uint32_t)load->stream.received : 0;
  if (!load->in_progress) {
    if (offset != 0) {
      facts->need = 0;
      facts->have = offset;
      return RTINFER_TA_ERROR_OFFSET;
    }
    if (((flags >> RTINFER_TA_LOAD_SLOTS_SHIFT) & 0xffu) > RTINFER_TA_MAX_JOB_SLOTS) return TEE_ERROR_BAD_PARAMETERS;
    if (((flags >> RTINFER_TA_LOAD_PLACE_SHIFT) & 0xffu) >= RTINFER_TA_MAX_MODELS) return TEE_ERROR_BAD_PARAMETERS;
    begin(flags);
  }
  const uint64_t have = load->stream.received;
  if (offset > have) {
    facts->need = have;
    facts->have = offset;
    return RTINFER_TA_ERROR_OFFSET; /* the load stays as it was: resume from `have` */
  }
  const size_t skip = (size_t)(have - offset) < length ? (size_t)(have - offset) : length;
  /* An empty chunk (a bare LOAD_LAST) may come with no buffer at all. */
  rtms_stream_status status = length == 0 ? RTMS_STREAM_MORE : rtms_stream_feed(&load->stream, chunk + skip, length - skip);
  *received = (uint32_t)load->stream.received;
  if (status < 0) return stream_refusal(status, facts);
  if (status == RTMS_STREAM_DONE) {
    TEE_Result result = activate();
    if (result != TEE_SUCCESS) {
      ta_load_abort();
      return result;
    }
    *active = 1;
    return TEE_SUCCESS;
  }
  if (flags & RTINFER_TA_LOAD_LAST) {
    facts->need = rtms_stream_total(&load->stream);
    facts->have = load->stream.received;
    ta_load_abort();
    return RTINFER_TA_ERROR_TRUNCATED;
  }
  return TEE_SUCCESS;
}

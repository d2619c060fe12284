/*
 * The contract between the rtinfer trusted application and its normal-world client (the agent), as in
 * optee_examples: both sides include this header, the TA with the GP Internal Core API, the agent with the
 * TEE Client API. Everything crossing the worlds is here: the UUID, the command ids, the parameter layouts,
 * the result codes and the facts that come with a refusal. Multi-byte fields are in the CPU's byte order
 * (both worlds run on the same core). The sealed container the load command takes is protocol/CONTAINER.md §7.
 *
 * Every command may pass, as parameter 3, a MEMREF_TEMP_OUTPUT of sizeof(rtinfer_ta_facts) (or NONE):
 * on a refusal the TA fills it with what was refused and the numbers (need/have, where).
 */
#ifndef RTINFER_TA_H
#define RTINFER_TA_H

#include <stdint.h>

/* 7d2b6a51-3c8e-4f0a-9b14-6e5d2c8a9f31 */
#define RTINFER_TA_UUID                                                                                   \
  {                                                                                                       \
    0x7d2b6a51, 0x3c8e, 0x4f0a, { 0x9b, 0x14, 0x6e, 0x5d, 0x2c, 0x8a, 0x9f, 0x31 }                        \
  }

/* The TA's heap (TA_DATA_SIZE) when built without another: the 5 MiB of the DeepTrust^RT authors' TA. */
#define RTINFER_TA_DEFAULT_HEAP_BYTES (5u * 1024u * 1024u)

enum rtinfer_ta_command {
  /*
   * KEY: the TA's X25519 key pair, generated on the first call into secure storage with the device id it is
   * provisioned for; the private half never leaves it.
   *   [0] MEMREF_TEMP_INPUT  the device id, 1–64 bytes (must equal the first call's on later calls)
   *   [1] MEMREF_TEMP_OUTPUT 32 bytes: the X25519 public key
   */
  RTINFER_TA_CMD_KEY = 0,
  /*
   * SIGNERS: pin the host keys a sealed container may be signed by, and whether a signature is required.
   * Once a set is pinned with `required`, only the same set is accepted again (RTINFER_TA_ERROR_PINNED).
   *   [0] MEMREF_TEMP_INPUT  0..RTINFER_TA_MAX_SIGNERS Ed25519 public keys, 32 bytes each
   *   [1] VALUE_INPUT        a: 1 = signatures required, 0 = optional
   */
  RTINFER_TA_CMD_SIGNERS = 1,
  /*
   * LOAD: sealed bytes in, with any chunking, resumable by offset, into one of the TA's model places (it holds
   * up to RTINFER_TA_MAX_MODELS models at once, one per place, all in the one heap budget). The model becomes
   * the place's when the last byte is in and every check has passed; until then (and whatever is refused) the
   * place keeps the model it had, and every other place its own.
   *   [0] MEMREF_TEMP_INPUT  the chunk (may be empty, e.g. with RTINFER_TA_LOAD_LAST)
   *   [1] VALUE_INPUT        a: offset of the chunk in the sealed stream; b: RTINFER_TA_LOAD_* flags, the job
   *                          slots to reserve in bits 8..15 (0 means 1), and the place in bits 16..23 (read
   *                          when a load begins: at offset 0)
   *   [2] VALUE_OUTPUT       a: bytes received so far (where to resume); b: 1 once the model is active, else 0
   */
  RTINFER_TA_CMD_LOAD = 2,
  /*
   * RUN: one entry into the enclave: a list of units, possibly from several jobs of several models (each unit
   * names its model's place). A job's activations stay in secure memory between entries; its output leaves
   * only in the entry where its last layer ran.
   *   [0] MEMREF_TEMP_INPUT  rtinfer_ta_run_request, then unit_count rtinfer_ta_unit, then, for each unit that
   *                          starts a job (first_layer 0), in unit order, its model's input_count floats
   *   [1] MEMREF_TEMP_OUTPUT for each job completed in this entry, in unit order: rtinfer_ta_output, then its
   *                          output_count floats (its size on return is the bytes written)
   *   [2] VALUE_OUTPUT       a: jobs completed; b: units run
   * With RTINFER_TA_RUN_TIMES in the request's flags, [1] ends (after the outputs) with rtinfer_ta_run_times and
   * unit_count rtinfer_ta_unit_time: each unit's start and end on the TA's own fine clock (ta_clock.h), so that a
   * fused entry's layers are timed inside the enclave; [1] must have room for them too.
   */
  RTINFER_TA_CMD_RUN = 3,
  /*
   * STATS: [1] MEMREF_TEMP_OUTPUT sizeof(rtinfer_ta_stats). [0] NONE (place 0), or VALUE_INPUT a: the place
   * whose model the per-model fields describe; the heap and entry counters are the TA's, over every model.
   */
  RTINFER_TA_CMD_STATS = 4,
  /*
   * SHAPES: place 0's model's layers (the agent's active slot) as the LW slicing rule sees them (shapes only, never a weight), so the
   * normal world can plan units with the same rule (firmware/nn/include/rtinfer_nn/lw.h).
   *   [1] MEMREF_TEMP_OUTPUT layer_count x rtnn_lw_shape (its size on return: the bytes written)
   */
  RTINFER_TA_CMD_SHAPES = 5,
  /*
   * ENTRY_BUDGET: the most one entry's layer or slice may need, in bytes as rtnn_lw_bytes() counts them (0: no
   * limit beyond the arena). Takes effect at once; the entry arena is sized at the next load as
   * min(budget, the model's largest layer), so a smaller budget is honoured by the model already active too.
   *   [0] VALUE_INPUT a: the budget in bytes
   */
  RTINFER_TA_CMD_ENTRY_BUDGET = 6,
  /*
   * EMPTY: enters the TA and returns at once, touching nothing: the normal world times it to measure one world
   * switch (an entry's round trip with no work), the cost the scheduler charges per entry. No parameters.
   */
  RTINFER_TA_CMD_EMPTY = 7,
  /*
   * RELEASE: empties a place: its model's weights, job slots (with any job's activations) and entry arena go back to
   * the heap budget at once, and the place stays empty (STATS loaded 0, a unit naming it NO_MODEL) until a LOAD fills
   * it. Every other place keeps its model; a load in progress is not touched (it fills its place when it completes).
   * An empty place is released as a no-op. The agent releases the places a newer task set no longer names, which
   * would otherwise hold their models until a load reused them (protocol/SPEC.md §4.5, "Models").
   *   [0] VALUE_INPUT a: the place (0..RTINFER_TA_MAX_MODELS-1)
   */
  RTINFER_TA_CMD_RELEASE = 8,
};

#define RTINFER_TA_MAX_SIGNERS 4u
#define RTINFER_TA_KEY_BYTES 32u
#define RTINFER_TA_MAX_DEVICE_ID 64u
/* Jobs whose activations one load may keep at once (FUSION packs several jobs into one entry). */
#define RTINFER_TA_MAX_JOB_SLOTS 16u
/* Models the TA holds at once (LOAD places 0..RTINFER_TA_MAX_MODELS-1): a task set of several models. */
#define RTINFER_TA_MAX_MODELS 4u

/* LOAD flags (parameter 1, b). */
#define RTINFER_TA_LOAD_LAST 0x1u    /* the sender has no more bytes: a stream still short is refused (truncated) */
#define RTINFER_TA_LOAD_SPARSE 0x2u  /* keep weights sparse x codebook (about 2 bytes per kept weight) */
#define RTINFER_TA_LOAD_RESTART 0x4u /* drop a load in progress and start over at offset 0 */
#define RTINFER_TA_LOAD_SLOTS_SHIFT 8u
#define RTINFER_TA_LOAD_PLACE_SHIFT 16u

typedef struct {
  uint32_t unit_count;
  uint32_t flags; /* RTINFER_TA_RUN_* (0: none) */
} rtinfer_ta_run_request;

/* RUN flags. */
#define RTINFER_TA_RUN_TIMES 0x1u /* append each unit's times inside the TA to the output */

/* The clock RUN's unit times come from (rtinfer_ta_run_times.clock). */
#define RTINFER_TA_CLOCK_CNTVCT 1u      /* aarch64 generic timer, virtual count (ns from CNTVCT_EL0 / CNTFRQ_EL0);
                                            a TA built with RTINFER_TA_USE_CNTVCT for a kernel that allows it */
#define RTINFER_TA_CLOCK_MONOTONIC 2u   /* teesim: the host's CLOCK_MONOTONIC */
#define RTINFER_TA_CLOCK_GP_MILLIS 3u   /* TEE_GetSystemTime: whole milliseconds only */
#define RTINFER_TA_CLOCK_CNTPCT 4u      /* aarch64 generic timer, physical count (ns from CNTPCT_EL0 / CNTFRQ_EL0);
                                            OP-TEE built with CFG_FTRACE_SUPPORT, which lets EL0 read it */

/* After the outputs of a RUN with RTINFER_TA_RUN_TIMES. Times are ns from the TA's first reading in the entry
 * (after the unit list was checked); inside_ns is that reading to the last one (after the last output copy). */
typedef struct {
  uint32_t unit_count; /* records that follow: the entry's units, in order */
  uint32_t clock;      /* RTINFER_TA_CLOCK_* */
  uint64_t inside_ns;
} rtinfer_ta_run_times;

typedef struct {
  uint64_t start_ns;
  uint64_t end_ns;
} rtinfer_ta_unit_time;

/* Layers [first_layer, end_layer) of job `job`, as the container's graph numbers them. A job starts with a unit
 * at first_layer 0, slice 0 (its input follows the units), continues where its previous unit ended, and
 * completes with the unit that reaches the model's layer_count (its last slice). slice/slices: part `slice` of
 * `slices` of one layer (end_layer = first_layer + 1), cut as rtnn_lw_part() and along the axis
 * rtnn_lw_axis_for() picks at the entry budget (for the LW planner's own count, the planner's axis). A job's
 * slices of a layer run in order, 0 to slices - 1, before its next layer. Every layer or slice of an entry runs
 * alone in the entry arena and must fit the entry budget (RTINFER_TA_ERROR_BUDGET). Job ids are the model's: two
 * models' jobs may share an id. */
typedef struct {
  uint32_t job;
  uint16_t first_layer;
  uint16_t end_layer;
  uint16_t slice;
  uint16_t slices;
  uint32_t model; /* the place of the model the job runs (0: the first; a job keeps one model) */
} rtinfer_ta_unit;

typedef struct {
  uint32_t job;
  uint32_t count; /* floats that follow */
} rtinfer_ta_output;

typedef struct {
  uint64_t heap_budget;  /* what the arenas may take: TA_DATA_SIZE less a reserve for the GP library */
  uint64_t heap_in_use;  /* bytes the TA holds through TEE_Malloc now */
  uint64_t heap_peak;    /* the most it ever held */
  uint64_t model_bytes;  /* the place's model: header copy and weights */
  uint64_t slot_bytes;   /* one job slot: its input and rtnn_work_bytes() */
  uint64_t planned_bytes; /* model_bytes + job_slots * slot_bytes + arena_bytes: what the model needs */
  uint64_t entries;      /* RUN commands that ran units */
  uint64_t units;        /* units run */
  uint64_t time_inside_us; /* summed over RUN commands, on the TA's fine clock (ta_clock.h) */
  uint64_t generation;   /* the rollback counter */
  uint32_t loaded;       /* 1 if the place holds a model */
  uint32_t sparse;       /* its weights are sparse x codebook */
  uint32_t layer_count;
  uint32_t input_count;  /* floats per job input */
  uint32_t output_count; /* floats per job output */
  uint32_t job_slots;
  uint32_t jobs_active;
  uint32_t models;       /* models held, over every place */
  uint64_t entry_budget; /* what one layer or slice may need: min(ENTRY_BUDGET, arena_bytes); 0 without a model */
  uint64_t arena_bytes;  /* the place's model's entry arena (part of planned_bytes) */
} rtinfer_ta_stats;

/* Why the TA refused, beside its TEE_Result. */
typedef struct {
  uint32_t reason; /* for RTINFER_TA_ERROR_CONTAINER: the rtm_status or rtnn_status (negative) */
  uint32_t index;  /* LOAD: the segment; RUN: the unit; else 0 */
  uint64_t need;
  uint64_t have;
  uint64_t at; /* LOAD: the sealed byte offset concerned */
} rtinfer_ta_facts;

/* rtinfer_ta_facts.reason of a RUN refusal. */
#define RTINFER_TA_UNIT_LAYER 0u /* UNIT: a layer out of order or range */
#define RTINFER_TA_UNIT_SLICE 2u /* UNIT: a slice out of order, or a count the layer cannot be cut into */
#define RTINFER_TA_BUDGET_SLOTS 1u /* BUDGET: more jobs at once than job slots (need/have in bytes) */
#define RTINFER_TA_BUDGET_ENTRY 2u /* BUDGET: a layer or slice over the entry budget, or a cut over the arena (LOAD: a
                                      layer whose smallest slice does not fit) */

/* Result codes of the TA's own refusals (GP leaves values below 0xF0000000 to TAs). The GP codes
 * TEE_ERROR_BAD_PARAMETERS, _SHORT_BUFFER and _OUT_OF_MEMORY keep their GP meaning. */
#define RTINFER_TA_ERROR_FORMAT 0x52540001u         /* the sealed header or framing is malformed */
#define RTINFER_TA_ERROR_RECIPIENT 0x52540002u      /* sealed to another key */
#define RTINFER_TA_ERROR_DEVICE 0x52540003u         /* sealed for another device id, or KEY with another id */
#define RTINFER_TA_ERROR_ROLLBACK 0x52540004u       /* need: the generation held; have: the sealed one */
#define RTINFER_TA_ERROR_UNSIGNED 0x52540005u       /* a signature is required and there is none */
#define RTINFER_TA_ERROR_SIGNER_UNKNOWN 0x52540006u /* signed by a key that is not pinned */
#define RTINFER_TA_ERROR_AUTHENTICATION 0x52540007u /* a segment's tag failed: index = segment, at = its offset */
#define RTINFER_TA_ERROR_SIGNATURE 0x52540008u      /* the Ed25519 signature does not verify */
#define RTINFER_TA_ERROR_CONTAINER 0x52540009u      /* the decrypted .rtm is refused (reason: rtm/rtnn status) */
#define RTINFER_TA_ERROR_BUDGET 0x5254000Au         /* does not fit the heap budget: need/have in bytes; RUN: a layer or
                                                       slice over the entry budget (index = unit, need = its bytes,
                                                       have = the entry budget) or job slots (reason 1) */
#define RTINFER_TA_ERROR_OFFSET 0x5254000Bu         /* a chunk past the resume point: need = resume point, have = offset */
#define RTINFER_TA_ERROR_TRUNCATED 0x5254000Cu      /* LOAD_LAST with bytes missing: need = stream length, have = received */
#define RTINFER_TA_ERROR_TRAILING 0x5254000Du       /* bytes past the end of the sealed stream: need = its length, have */
#define RTINFER_TA_ERROR_NO_KEY 0x5254000Eu         /* LOAD before KEY */
#define RTINFER_TA_ERROR_NO_MODEL 0x5254000Fu       /* RUN without an active model, or a unit naming an empty place
                                                       (index = unit, need = the place) */
#define RTINFER_TA_ERROR_UNIT 0x52540010u           /* a unit out of order or range: index = unit, need = the layer expected, have = given;
                                                       reason RTINFER_TA_UNIT_SLICE: need = the slice expected (or the
                                                       most slices the layer allows), have = given */
#define RTINFER_TA_ERROR_UNSUPPORTED 0x52540011u    /* not used by RUN any more (slices run since issue 12's LW part) */
#define RTINFER_TA_ERROR_PINNED 0x52540012u         /* SIGNERS would change a required, pinned set */

#endif

/*
 * TASKSET, RUN and STOP on a TEE device (SPEC §4.5, "TEE devices"): the app's taskset.h hooks, so dispatch and
 * the main loop stay the STM32 app's own. TASKSET checks a DeepTrust^RT task set against the TA (policies, the
 * plan's units from the host's LW planner, the heap budget, the job slots every task needs) and keeps it; RUN
 * starts the EDF dispatcher's thread (agent_dispatch_thread.c); the main loop drains its trace events into the
 * app's trace ring and sends them; STOP (or the end of the duration) joins it and answers the summary. An accepted
 * set replaces the previous one: the TA places it does not name are emptied (RELEASE), place 0 always kept. An
 * activation's load into place 0 (agent_taskset_load_active) makes room the same way, emptying every other place.
 */
#include <stdio.h>
#include <string.h>

#include "agent_dispatch_taskset.h"
#include "agent_dispatch_thread.h"
#include "agent_tee.h"
#include "model_store.h"
#include "port.h"
#include "reply.h"
#include "taskset.h"
#include "trace_ring.h"

/* The first release is this far after RUN, so that the reply goes out before any job runs. */
#define RUN_LEAD_US 2000u
#define PPM 1000000u
/* How often the main loop drains the dispatcher's events while a run goes on. */
#define DRAIN_EVERY_US 5000u
#define NS_PER_US 1000u

/* One model of the task set: the slot its enclave tasks name, the TA place it is loaded in (0: the active slot's,
 * which INFER runs too; others from 1, in the order the tasks first name them), and its unit list. */
typedef struct {
    uint8_t slot;
    uint8_t place;
    uint8_t tasks; /* enclave tasks that run it: the job slots it needs */
    uint16_t units_from, units_count;
    uint32_t layer_count;
} set_model;

static ad_plan s_plan;
static int s_have_plan;
static set_model s_models[RTINFER_TA_MAX_MODELS];
static uint8_t s_model_count;
static agent_dispatch_model s_sizes[RTINFER_TA_MAX_MODELS]; /* per TA place */
static uint32_t s_enclave_tasks;
static int s_allow_no_tee;
static rtp_stop_reply_t s_summary;

static int reload(engine_error_t *err);

void agent_taskset_allow_no_tee(int allow)
{
    s_allow_no_tee = allow;
}

void agent_taskset_shutdown(void)
{
    if (agent_dispatch_thread_active()) {
        (void)agent_dispatch_thread_join(NULL);
    }
}

void taskset_init(void)
{
    agent_taskset_shutdown(); /* a reset: the app starts over, the run does not survive it */
    s_have_plan = 0;
    memset(&s_summary, 0, sizeof s_summary);
    trace_ring_reset();
}

bool taskset_running(void)
{
    return agent_dispatch_thread_active() != 0;
}

static uint32_t supported_policies(void)
{
    return (1u << RTP_POLICY_LW) | (1u << RTP_POLICY_FUSION_GREEDY) | (1u << RTP_POLICY_FUSION_BUDGET) |
           (1u << RTP_POLICY_NORMAL) | (s_allow_no_tee ? 1u << RTP_POLICY_NO_TEE : 0u);
}

static int fail(engine_error_t *err, uint16_t code, const char *message, uint64_t need, uint64_t have)
{
    engine_error_set(err, code, message, need, have, 1);
    return -1;
}

/* Each task's policy: one enclave policy for the set (one packing rule, as the analysis has), normal-world tasks
 * with their work. Sets *enclave_policy (or 0xff when no task enters the enclave). */
static int check_policies(const rtp_taskset_req_t *r, uint8_t *enclave_policy, engine_error_t *err)
{
    *enclave_policy = 0xffu;
    for (uint8_t i = 0; i < r->task_count; i++) {
        const rtp_task_t *t = &r->tasks[i];
        for (uint8_t j = 0; j < i; j++) {
            if (r->tasks[j].task == t->task) {
                return fail(err, RTP_ERR_INVALID, "two tasks have the same id", t->task, t->task);
            }
        }
        if (!t->has_policy) {
            return fail(err, RTP_ERR_INVALID, "a task on a TEE device names its policy (key 8): need = task id", t->task, 0);
        }
        if (t->policy > RTP_POLICY_NORMAL || !(supported_policies() & (1u << t->policy))) {
            return fail(err, RTP_ERR_UNSUPPORTED,
                        t->policy == RTP_POLICY_NO_TEE
                            ? "no-tee is a baseline only: start the agent with --allow-no-tee (need = policy, have = policies)"
                            : "a policy this device lacks: need = policy, have = bit mask of the policies it has",
                        t->policy, supported_policies());
        }
        if (t->policy == RTP_POLICY_NO_TEE) {
            return fail(err, RTP_ERR_NO_MODEL,
                        "no-tee needs plaintext weights in the normal world; this agent holds sealed models only",
                        t->has_slot ? t->slot : 0u, 0);
        }
        if (t->policy == RTP_POLICY_NORMAL) {
            if (!t->has_work_us || t->work_us == 0) {
                return fail(err, RTP_ERR_INVALID, "a normal-world task needs its work_us (key 9): need = task id", t->task, 0);
            }
            continue;
        }
        if (*enclave_policy != 0xffu && *enclave_policy != t->policy) {
            return fail(err, RTP_ERR_INVALID, "one enclave policy per task set: need = this task's, have = the first's",
                        t->policy, *enclave_policy);
        }
        *enclave_policy = t->policy;
    }
    return 0;
}

/* The slot an enclave task runs: its own, else the active one. */
static uint8_t task_slot(const rtp_task_t *t, int active)
{
    return t->has_slot ? t->slot : (uint8_t)(active < 0 ? 0 : active);
}

static set_model *model_of_slot(uint8_t slot)
{
    for (uint8_t k = 0; k < s_model_count; k++) {
        if (s_models[k].slot == slot) {
            return &s_models[k];
        }
    }
    return NULL;
}

/* The enclave tasks' models: each slot verified, in the order the tasks first name them, each given its TA place (the
 * active slot's is 0, where it is loaded already; the others 1, 2, ...). Fills s_models. */
static int check_models(const rtp_taskset_req_t *r, engine_error_t *err)
{
    const int active = model_store_active();
    uint8_t next_place = 1;
    s_model_count = 0;
    for (uint8_t i = 0; i < r->task_count; i++) {
        const rtp_task_t *t = &r->tasks[i];
        if (t->policy == RTP_POLICY_NORMAL) {
            continue;
        }
        const uint8_t slot = task_slot(t, active);
        model_slot_info_t info;
        if (active < 0 || model_store_info(slot, &info) != MODEL_OK || info.state != RTP_SLOT_VERIFIED) {
            return fail(err, RTP_ERR_NO_MODEL, "a task's model slot holds no verified model: need = slot", slot, 0);
        }
        set_model *model = model_of_slot(slot);
        if (model == NULL) {
            const int is_active = slot == (uint8_t)active;
            if (!is_active && next_place == RTINFER_TA_MAX_MODELS) {
                return fail(err, RTP_ERR_INVALID,
                            "the enclave holds the active slot's model and a few more: need = the models named, have = the most",
                            (uint64_t)s_model_count + 1u, RTINFER_TA_MAX_MODELS);
            }
            model = &s_models[s_model_count++];
            *model = (set_model){.slot = slot, .place = is_active ? 0u : next_place++};
        }
        model->tasks++;
    }
    return 0;
}

/* The size of the container in model slot `slot`, or NO_MODEL with the slot when it holds none. */
static int stored_size(int slot, uint32_t *size, engine_error_t *err)
{
    model_slot_info_t info;
    if (slot < 0 || model_store_info((uint8_t)slot, &info) != MODEL_OK) {
        return fail(err, RTP_ERR_NO_MODEL, "a task's model slot is empty: need = slot", slot < 0 ? 0u : (uint64_t)slot, 0);
    }
    *size = info.size;
    return 0;
}

/* The plan's entry budget in the TA: what its units are checked against, and what a load sizes the arena for. */
static int set_budget(uint32_t entry_budget, engine_error_t *err)
{
    if (agent_tee_set_entry_budget(entry_budget) != 0) {
        return fail(err, RTP_ERR_BUDGET, "the TA refused the plan's capacity as its entry budget (bytes)", entry_budget,
                    agent_tee_heap_budget());
    }
    return 0;
}

/* Whether TA place `place` holds `slot`'s model as the plan needs it: loaded under this entry budget, with at least
 * `tasks` job slots. */
static int place_ready(uint32_t place, uint8_t slot, uint32_t tasks, uint32_t entry_budget)
{
    rtinfer_ta_stats stats;
    return agent_tee_place_holds(place, slot, entry_budget) && agent_tee_stats_of(place, &stats) == 0 && stats.loaded &&
           stats.job_slots >= tasks;
}

/* Which of TA places 1... a walk over them may empty (place 0, the active slot's, which INFER runs, always stays). */
typedef enum {
    KEEP_NAMED, /* an accepted set: every place it names */
    KEEP_READY, /* while a set's loads go on: a place it names that holds its model as it needs it */
    KEEP_NONE,  /* an activation (agent_taskset_load_active): none */
} keep_rule;

/* Whether TA place `place` holds nothing `keep` keeps: a place the set does not name (the previous set's model), or
 * one it names but loads again anyway (KEEP_READY), or any (KEEP_NONE). */
static int replaceable(uint32_t place, keep_rule keep, uint32_t entry_budget)
{
    if (place == 0 || keep == KEEP_NONE) {
        return place != 0;
    }
    for (uint8_t k = 0; k < s_model_count; k++) {
        if (s_models[k].place == place) {
            return keep == KEEP_READY && !place_ready(place, s_models[k].slot, s_models[k].tasks, entry_budget);
        }
    }
    return 1;
}

/* The replaceable places that hold a model: the heap bytes their models hold (STATS planned_bytes: what RELEASE
 * gives back), and with `release`, each emptied. A place the TA does not release (a TA without RELEASE) keeps its
 * model, as every place did before. */
static uint64_t replaceable_places(keep_rule keep, uint32_t entry_budget, int release)
{
    uint64_t bytes = 0;
    for (uint32_t place = 1; place < RTINFER_TA_MAX_MODELS; place++) {
        rtinfer_ta_stats stats;
        if (replaceable(place, keep, entry_budget) && agent_tee_stats_of(place, &stats) == 0 && stats.loaded) {
            bytes += stats.planned_bytes;
            if (release) {
                (void)agent_tee_release(place);
            }
        }
    }
    return bytes;
}

/* Loads model `m` into its TA place: place 0 with the job slots of agent_tee_set_job_slots(), another with a job
 * slot per task that runs it, under the TA's entry budget (a load sizes its arena for it; `entry_budget`, the
 * plan's, tells which places hold a set's model as it needs it). A load the TA refuses for its heap while places
 * that `keep` does not keep hold models is tried once more after they are released, but only when they explain it:
 * the refusal's need less their bytes is within the heap. Otherwise the TA's refusal stands (budget: need/have
 * bytes) and every place keeps what it held; a retry refused too stands as well, the released places left empty. */
static int load_model(const set_model *m, keep_rule keep, uint32_t entry_budget, engine_error_t *err)
{
    uint32_t size = 0;
    if (stored_size(m->slot, &size, err) != 0) {
        return -1;
    }
    for (int attempt = 0;; attempt++) {
        const int loaded = m->place == 0 ? agent_tee_load_slot(m->slot, size, err)
                                         : agent_tee_load_slot_at(m->slot, size, m->place, m->tasks, err);
        if (loaded) {
            return 0;
        }
        const uint64_t spare = attempt == 0 && agent_tee_heap_refused() ? replaceable_places(keep, entry_budget, 0) : 0u;
        if (spare == 0 || err->need > err->have + spare) {
            return -1;
        }
        (void)replaceable_places(keep, entry_budget, 1);
        *err = (engine_error_t){0};
    }
}

int agent_taskset_load_active(uint8_t slot, engine_error_t *err)
{
    /* The set in effect, if any, is not dropped here: RUN checks its places first (model_unchanged) and refuses it
     * with bad_state once a place it names was given back, as once place 0's is no longer its active slot's. */
    const set_model active = {.slot = slot, .place = 0};
    return load_model(&active, KEEP_NONE, 0, err) == 0;
}

/* Loads the set's models other than the active slot's into their TA places, unless a place holds one already as the
 * plan needs it. */
static int load_other_models(uint32_t entry_budget, engine_error_t *err)
{
    for (uint8_t k = 0; k < s_model_count; k++) {
        const set_model *m = &s_models[k];
        if (m->place == 0 || place_ready(m->place, m->slot, m->tasks, entry_budget)) {
            continue;
        }
        if (set_budget(entry_budget, err) != 0 || load_model(m, KEEP_READY, entry_budget, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Each model's sizes, from the TA's STATS of its place. */
static int read_models(engine_error_t *err)
{
    memset(s_sizes, 0, sizeof s_sizes);
    for (uint8_t k = 0; k < s_model_count; k++) {
        set_model *m = &s_models[k];
        rtinfer_ta_stats stats;
        if (agent_tee_stats_of(m->place, &stats) != 0) {
            return fail(err, RTP_ERR_INTERNAL, "the TA does not answer STATS", 0, 0);
        }
        if (!stats.loaded) {
            return fail(err, RTP_ERR_NO_MODEL, "the TA holds no model: need = slot", m->slot, 0);
        }
        if ((uint64_t)stats.input_count * sizeof(float) > AGENT_DISPATCH_MAX_INPUT_BYTES ||
            (uint64_t)stats.output_count * sizeof(float) > AGENT_DISPATCH_MAX_OUTPUT_BYTES) {
            return fail(err, RTP_ERR_TOO_LARGE, "the model's input or output is too large for an entry (bytes)",
                        (uint64_t)(stats.input_count > stats.output_count ? stats.input_count : stats.output_count) *
                            sizeof(float),
                        AGENT_DISPATCH_MAX_INPUT_BYTES);
        }
        s_sizes[m->place] = (agent_dispatch_model){stats.input_count, stats.output_count};
        m->layer_count = stats.layer_count;
    }
    return 0;
}

/* One model's list, from r->units[from]: every layer of the model in order, each whole or as slices 0..k-1, once;
 * each within the capacity. The list ends at the model's last layer (where the next model's starts again at layer
 * 0); *end is the index after it. */
static int check_list(const rtp_taskset_req_t *r, uint16_t from, uint32_t layer_count, uint64_t capacity, uint16_t *end,
                      engine_error_t *err)
{
    uint32_t layer = 0;
    uint16_t slice = 0, slices = 1;
    uint16_t u = from;
    for (; u < r->unit_count && layer < layer_count; u++) {
        const rtp_unit_t *unit = &r->units[u];
        if (unit->layer != layer) {
            return fail(err, RTP_ERR_INVALID, "a unit skips or repeats a layer: need = the layer expected, have = given",
                        layer, unit->layer);
        }
        if (unit->slice != slice || (slice > 0 && unit->slices != slices) || unit->slice >= unit->slices) {
            return fail(err, RTP_ERR_INVALID, "a layer's slices are out of order: need = the slice expected, have = given",
                        slice, unit->slice);
        }
        if (unit->memory > capacity) {
            return fail(err, RTP_ERR_BUDGET, "a unit does not fit the enclave: need = its memory, have = the capacity",
                        unit->memory, capacity);
        }
        slices = unit->slices;
        slice = (uint16_t)(unit->slice + 1u);
        if (slice == slices) {
            slice = 0;
            layer++;
        }
    }
    if (layer != layer_count || slice != 0) {
        return fail(err, RTP_ERR_INVALID, "the units end before the model's last layer: need = layers, have = covered",
                    layer_count, layer);
    }
    *end = u;
    return 0;
}

/* The plan's units: one list per model, in the order the tasks first name them, each checked against its model;
 * the capacity within the TA's heap budget. */
static int check_units(const rtp_taskset_req_t *r, uint64_t capacity, engine_error_t *err)
{
    if (!r->has_units || r->unit_count == 0) {
        return fail(err, RTP_ERR_INVALID, "the plan's units (key 1) are missing: need = the model's layers",
                    s_models[0].layer_count, 0);
    }
    if (capacity > agent_tee_heap_budget()) {
        return fail(err, RTP_ERR_BUDGET, "the plan's capacity exceeds the TA heap budget (bytes)", capacity,
                    agent_tee_heap_budget());
    }
    uint16_t at = 0;
    for (uint8_t k = 0; k < s_model_count; k++) {
        uint16_t end = at;
        if (check_list(r, at, s_models[k].layer_count, capacity, &end, err) != 0) {
            return -1;
        }
        s_models[k].units_from = at;
        s_models[k].units_count = (uint16_t)(end - at);
        at = end;
    }
    if (at != r->unit_count) {
        /* A unit past the last model's last layer: the next would start a model no task names. */
        return fail(err, RTP_ERR_INVALID, "a unit skips or repeats a layer: need = the layer expected, have = given",
                    s_models[s_model_count - 1].layer_count, r->units[at].layer);
    }
    return 0;
}

/* Whether the TA runs layer slices. A probe unit past the model's last layer is refused by any TA without side
 * effects: a TA that runs whole layers only refuses its slices first (RTINFER_TA_ERROR_UNSUPPORTED), a TA with
 * slices refuses the layer (RTINFER_TA_ERROR_UNIT). */
static int ta_runs_slices(void)
{
    struct {
        rtinfer_ta_run_request head;
        rtinfer_ta_unit unit;
    } probe = {{1u, 0u},
               {0xffffffffu, (uint16_t)s_models[0].layer_count, (uint16_t)(s_models[0].layer_count + 1u), 0u, 2u,
                s_models[0].place}};
    uint8_t out[16];
    size_t out_bytes = sizeof out;
    engine_error_t e = {0};
    if (agent_tee_run((const uint8_t *)&probe, sizeof probe, out, &out_bytes, &e) == 0) {
        return 1;
    }
    return !(e.has_facts && e.need == RTINFER_TA_ERROR_UNSUPPORTED);
}

/* Σ Cᵢ/Tᵢ, Cᵢ the task's own model's units' summed WCET (or its work_us). */
static int check_utilisation(const rtp_taskset_req_t *r, engine_error_t *err)
{
    const int active = model_store_active();
    uint64_t ppm = 0;
    for (uint8_t i = 0; i < r->task_count; i++) {
        const rtp_task_t *t = &r->tasks[i];
        uint64_t c = t->work_us;
        if (t->policy != RTP_POLICY_NORMAL) {
            const set_model *m = model_of_slot(task_slot(t, active));
            c = 0;
            for (uint16_t u = m->units_from; u < m->units_from + m->units_count; u++) {
                c += r->units[u].wcet_us;
            }
        }
        ppm += c * PPM / t->period_us;
    }
    if (ppm > PPM) {
        return fail(err, RTP_ERR_INVALID, "utilisation over 1: need = sum of WCET/period in ppm, have = 1000000", ppm, PPM);
    }
    return 0;
}

static int build_plan(const rtp_taskset_req_t *r, engine_error_t *err)
{
    uint8_t policy = 0xffu;
    if (check_policies(r, &policy, err) != 0) {
        return -1;
    }
    memset(&s_plan, 0, sizeof s_plan);
    s_enclave_tasks = 0;
    s_model_count = 0;
    for (uint8_t i = 0; i < r->task_count; i++) {
        s_enclave_tasks += r->tasks[i].policy != RTP_POLICY_NORMAL;
    }
    uint32_t entry_budget = 0;
    if (s_enclave_tasks > 0) {
        const uint64_t capacity = r->has_capacity ? r->capacity : agent_tee_heap_budget();
        /* Slices run alone in the TA's entry arena, which a load sizes for the entry budget: the plan's capacity. A
         * plan of whole layers runs them in place on the job's slot, with no budget (0) and no arena to hold. */
        int sliced = 0;
        for (uint16_t u = 0; u < r->unit_count; u++) {
            sliced |= r->units[u].slices > 1;
        }
        entry_budget = !sliced ? 0u : capacity > UINT32_MAX ? UINT32_MAX : (uint32_t)capacity;
        if (check_models(r, err) != 0 || load_other_models(entry_budget, err) != 0 || read_models(err) != 0 ||
            check_units(r, capacity, err) != 0) {
            return -1;
        }
        for (uint16_t u = 0; u < r->unit_count; u++) {
            if (r->units[u].slices > 1 && !ta_runs_slices()) {
                return fail(err, RTP_ERR_UNSUPPORTED, "this TA runs whole layers only: need = slices, have = 1",
                            r->units[u].slices, 1);
            }
        }
        if (policy == RTP_POLICY_FUSION_BUDGET &&
            (!r->has_entry_budget_us || r->entry_budget_us <= (r->has_world_switch_us ? r->world_switch_us : 0u))) {
            return fail(err, RTP_ERR_INVALID,
                        "fusion-budget needs entry_budget_us (key 3) above world_switch_us (key 4): need, have",
                        (uint64_t)(r->has_world_switch_us ? r->world_switch_us : 0u) + 1u,
                        r->has_entry_budget_us ? r->entry_budget_us : 0u);
        }
        /* The active slot's model, in place 0, when tasks run it: every one of them may have a job in flight at once,
         * its activations kept in a TA job slot; and its arena sized for this entry budget. */
        if (set_budget(entry_budget, err) != 0) {
            return -1;
        }
        const set_model *active = model_of_slot((uint8_t)model_store_active());
        if (active != NULL && active->place == 0 && !place_ready(0, active->slot, active->tasks, entry_budget)) {
            rtinfer_ta_stats stats;
            if (agent_tee_stats(&stats) != 0) {
                return fail(err, RTP_ERR_INTERNAL, "the TA does not answer STATS", 0, 0);
            }
            agent_tee_set_job_slots(active->tasks > stats.job_slots ? active->tasks : stats.job_slots);
            if (load_model(active, KEEP_READY, entry_budget, err) != 0) {
                agent_tee_set_job_slots(stats.job_slots); /* the TA kept its model and slots; later loads do too */
                return -1; /* the TA's budget refusal (need/have bytes) or another */
            }
        }
        memcpy(s_plan.units, r->units, sizeof r->units[0] * r->unit_count);
        s_plan.unit_count = r->unit_count;
        s_plan.capacity = capacity;
        s_plan.rule = policy == RTP_POLICY_LW ? AD_RULE_SINGLE : policy == RTP_POLICY_FUSION_GREEDY ? AD_RULE_GREEDY : AD_RULE_BUDGET;
        s_plan.run_budget_us = policy == RTP_POLICY_FUSION_BUDGET
                                   ? r->entry_budget_us - (r->has_world_switch_us ? r->world_switch_us : 0u)
                                   : UINT64_MAX;
        s_plan.ta_slots = s_enclave_tasks;
    }
    if (check_utilisation(r, err) != 0) {
        return -1;
    }
    for (uint8_t i = 0; i < r->task_count; i++) {
        const rtp_task_t *t = &r->tasks[i];
        s_plan.tasks[i] = (ad_task){
            .id = t->task,
            .enclave = t->policy != RTP_POLICY_NORMAL,
            .period = (uint64_t)t->period_us * NS_PER_US,
            .deadline = (uint64_t)t->deadline_us * NS_PER_US,
            .offset = (uint64_t)(t->has_offset_us ? t->offset_us : 0u) * NS_PER_US,
            .budget = (uint64_t)(t->has_budget_us ? t->budget_us : 0u) * NS_PER_US,
            .work = (uint64_t)(t->policy == RTP_POLICY_NORMAL ? t->work_us : 0u) * NS_PER_US,
        };
        if (t->policy != RTP_POLICY_NORMAL) {
            const set_model *m = model_of_slot(task_slot(t, model_store_active()));
            s_plan.tasks[i].units_from = m->units_from;
            s_plan.tasks[i].units_count = m->units_count;
            s_plan.tasks[i].model = m->place;
        }
    }
    s_plan.task_count = r->task_count;
    /* Accepted: the set replaces the previous one, whose models in places this set does not name go. */
    (void)replaceable_places(KEEP_NAMED, entry_budget, 1);
    return 0;
}

/* Loads every model of the task set into its place again: frees the job slots of jobs stopped half way. */
static int reload(engine_error_t *err)
{
    for (uint8_t k = 0; k < s_model_count; k++) {
        const set_model *m = &s_models[k];
        uint32_t size = 0;
        if (stored_size(m->slot, &size, err) != 0) {
            return -1;
        }
        const int loaded = m->place == 0 ? agent_tee_load_slot(m->slot, size, err)
                                         : agent_tee_load_slot_at(m->slot, size, m->place, m->tasks, err);
        if (!loaded) {
            return -1;
        }
    }
    return 0;
}

static void refuse(uint32_t id, uint8_t type, const engine_error_t *err)
{
    reply_facts_t facts = {.type = type, .has_need = err->has_facts != 0, .need = err->need,
                           .has_have = err->has_facts != 0, .have = err->have};
    reply_error_facts(id, err->code, err->message, &facts);
}

static void log_line(uint8_t level, const char *text)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_LOG, 0);
    m->body.log.level = level;
    m->body.log.ticks = port_ticks();
    m->body.log.text.ptr = text;
    m->body.log.text.len = strlen(text);
    (void)reply_send(m);
}

/* What an accepted set leaves in the TA, in a LOG line before the reply (SPEC §4.5, "Models"): the models held and
 * the heap in use, so a host sees a place the set does not name given back. */
static void log_heap(void)
{
    rtinfer_ta_stats stats;
    if (agent_tee_stats(&stats) != 0) {
        return;
    }
    static char text[120];
    snprintf(text, sizeof text, "task set accepted: the TA holds %u model(s), %llu of %llu heap bytes in use",
             (unsigned)stats.models, (unsigned long long)stats.heap_in_use, (unsigned long long)stats.heap_budget);
    log_line(RTP_LOG_INFO, text);
}

void taskset_handle(const rtp_msg_t *req)
{
    if (taskset_running()) {
        reply_facts_t facts = {.type = RTP_MSG_TASKSET};
        reply_error_facts(req->id, RTP_ERR_BUSY, "a task set is running; STOP it first", &facts);
        return;
    }
    s_have_plan = 0; /* a refused set leaves none, never half of one */
    engine_error_t err = {0};
    if (build_plan(&req->body.taskset_req, &err) != 0) {
        refuse(req->id, RTP_MSG_TASKSET, &err);
        return;
    }
    s_have_plan = 1;
    log_heap();
    rtp_msg_t *m = reply_begin(RTP_MSG_TASKSET, req->id);
    m->body.taskset_reply.tasks = s_plan.task_count;
    (void)reply_send(m);
}

/* The models the plan was checked against are still the TA's, each in its place with the job slots it needs, and
 * place 0's is still the active slot's. An activation since the set breaks this when the set runs the active slot's
 * model, or when its load gave back a place the set names (agent_taskset_load_active). */
static int model_unchanged(engine_error_t *err)
{
    for (uint8_t k = 0; s_enclave_tasks > 0 && k < s_model_count; k++) {
        const set_model *m = &s_models[k];
        rtinfer_ta_stats stats;
        if (agent_tee_stats_of(m->place, &stats) != 0 || !stats.loaded || stats.layer_count != m->layer_count ||
            stats.job_slots < m->tasks || (m->place == 0 && model_store_active() != (int)m->slot)) {
            engine_error_set(err, RTP_ERR_BAD_STATE, "the model changed since TASKSET: send TASKSET again", 0, 0, 0);
            return 0;
        }
    }
    return 1;
}

void run_handle(const rtp_msg_t *req)
{
    reply_facts_t facts = {.type = RTP_MSG_RUN};
    if (taskset_running()) {
        reply_error_facts(req->id, RTP_ERR_BUSY, "a task set is already running", &facts);
        return;
    }
    if (!s_have_plan) {
        reply_error_facts(req->id, RTP_ERR_BAD_STATE, "no task set: send TASKSET first", &facts);
        return;
    }
    engine_error_t err = {0};
    if (!model_unchanged(&err)) {
        refuse(req->id, RTP_MSG_RUN, &err);
        return;
    }
    const rtp_run_req_t *r = &req->body.run_req;
    const uint64_t start = port_ticks() + (uint64_t)RUN_LEAD_US * NS_PER_US;
    const uint64_t end = r->duration_us == 0 ? 0u : start + (uint64_t)r->duration_us * NS_PER_US;
    s_plan.trace_bits = r->has_trace ? r->trace : (uint8_t)RTP_TRACE_JOBS;
    memset(&s_summary, 0, sizeof s_summary);
    trace_ring_reset();
    if (agent_dispatch_thread_start(&s_plan, s_sizes, start, end) != 0) {
        reply_error_facts(req->id, RTP_ERR_INTERNAL, "the dispatcher thread did not start", &facts);
        return;
    }
    rtp_msg_t *m = reply_begin(RTP_MSG_RUN, req->id);
    m->body.run_reply.start = start;
    (void)reply_send(m);
}

/* Moves the dispatcher's events into the trace ring and sends them, never overfilling the ring. */
static void drain_and_send(void)
{
    for (;;) {
        const uint32_t room = RTINFER_TRACE_RING_EVENTS - trace_pending();
        if (agent_dispatch_drain(room) == 0) {
            break;
        }
        trace_flush(0);
    }
    trace_flush(0);
}

static void finish_run(void)
{
    engine_error_t failure = {0};
    const ad_run *run = agent_dispatch_thread_join(&failure);
    drain_and_send();
    s_summary.ticks = port_ticks();
    s_summary.released = run->released;
    s_summary.completed = run->completed;
    s_summary.missed = run->missed;
    s_summary.dropped = trace_dropped_total() + agent_dispatch_lost();
    if (run->failed) {
        static char text[200];
        snprintf(text, sizeof text, "the run stopped: an enclave entry failed: %s (code %u, need %llu, have %llu)",
                 failure.message != NULL ? failure.message : "?", (unsigned)failure.code,
                 (unsigned long long)failure.need, (unsigned long long)failure.have);
        log_line(RTP_LOG_ERROR, text);
    }
    if (ad_jobs_in_flight(run) > 0 && s_enclave_tasks > 0) {
        /* Jobs stopped half way keep TA job slots: a fresh load of the same model frees them. */
        engine_error_t err = {0};
        if (reload(&err) != 0) {
            log_line(RTP_LOG_WARNING, "the model could not be loaded again after STOP: its job slots stay taken");
        }
    }
}

void stop_handle(const rtp_msg_t *req)
{
    if (agent_dispatch_thread_active()) {
        finish_run();
    }
    rtp_msg_t *m = reply_begin(RTP_MSG_STOP, req->id);
    m->body.stop_reply = s_summary;
    (void)reply_send(m);
}

void taskset_poll(void)
{
    if (!agent_dispatch_thread_active()) {
        return;
    }
    if (agent_dispatch_thread_done()) {
        finish_run();
        return;
    }
    drain_and_send();
}

uint32_t taskset_idle_timeout_us(void)
{
    return agent_dispatch_thread_active() ? DRAIN_EVERY_US : PORT_IDLE_FOREVER;
}

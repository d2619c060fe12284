/* The agent's MQTT link: see agent_mqtt.h. */
#define _GNU_SOURCE /* sigjmp_buf in posix_board.h */
#include "agent_mqtt.h"

#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "link.h"
#include "posix_board.h"
#include "rtp/cbor.h"
#include "rtp/messages.h"

#define QUEUE_SLOTS 32u        /* more than a broker keeps in flight per client (Mosquitto: 20) */
#define MAX_PAYLOAD 65536u     /* max_frame - 9 at most */
#define ANSWERED 8u            /* replies kept to answer a duplicated request again (SPEC §5) */
#define KEEPALIVE_S 30

static struct {
    struct mosquitto *client;
    char down[64], up[64], status[64];
    pthread_mutex_t lock;
    uint32_t head, count; /* the queue of received messages, under lock */
    int current;          /* the slot receive() handed out last, freed at the next call; -1 none */
    uint32_t dropped;     /* messages lost to a full queue */
    atomic_int connected; /* set by the network thread: publish the status from the main loop */
} s_mqtt = {.lock = PTHREAD_MUTEX_INITIALIZER, .current = -1};

static struct {
    size_t len;
    uint8_t bytes[MAX_PAYLOAD];
} s_queue[QUEUE_SLOTS];

static struct {
    uint32_t id;
    size_t len;
    uint8_t bytes[MAX_PAYLOAD];
} s_answered[ANSWERED];
static uint32_t s_answered_next;

static rtp_msg_t s_status_msg;
static uint8_t s_status[MAX_PAYLOAD];

/* The id of [type, id, body], 0 if it cannot be read. */
static uint32_t peek_id(const uint8_t *msg, size_t len)
{
    rtp_cbor_reader_t r;
    uint64_t n, type, id;
    rtp_cbor_reader_init(&r, msg, len);
    if (rtp_cbor_read_array(&r, &n) != RTP_CBOR_OK || n != 3 || rtp_cbor_read_uint(&r, &type) != RTP_CBOR_OK ||
        rtp_cbor_read_uint(&r, &id) != RTP_CBOR_OK || id > UINT32_MAX) {
        return 0;
    }
    return (uint32_t)id;
}

static void publish(const char *topic, const uint8_t *bytes, size_t len, bool retain)
{
    int rc = mosquitto_publish(s_mqtt.client, NULL, topic, (int)len, bytes, 1, retain);
    /* Not connected (the boot HELLO, before the broker accepted us): lost, as on a serial line nobody reads;
     * the status published on connect replaces the boot HELLO. */
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
        fprintf(stderr, "rtinfer-agent: publish on %s: %s\n", topic, mosquitto_strerror(rc));
    }
}

/* {0: true, 1: <HELLO D->H body>}: the body is the encoded HELLO [1, 0, body] after its 3-byte prefix. */
static void publish_status(void)
{
    memset(&s_status_msg, 0, sizeof s_status_msg);
    s_status_msg.type = RTP_MSG_HELLO;
    s_status_msg.dir = RTP_DIR_D2H;
    hello_fill_info(&s_status_msg.body.hello_info, RTP_PROTO_VERSION, 0);
    static const uint8_t head[4] = {0xA2, 0x00, 0xF5, 0x01};
    size_t n = rtp_msg_encode(&s_status_msg, s_status + 1u, sizeof s_status - 1u);
    if (n < 4) {
        fprintf(stderr, "rtinfer-agent: the status does not encode\n");
        return;
    }
    /* s_status+1 holds 83 01 00 <body>: overwrite the message prefix with the status map's head. */
    memcpy(s_status, head, sizeof head);
    publish(s_mqtt.status, s_status, n + 1u, true);
}

static void on_connect(struct mosquitto *client, void *context, int rc)
{
    (void)context;
    if (rc != 0) {
        fprintf(stderr, "rtinfer-agent: the broker refused the connection: %s\n", mosquitto_connack_string(rc));
        return;
    }
    (void)mosquitto_subscribe(client, NULL, s_mqtt.down, 1);
    atomic_store(&s_mqtt.connected, 1);
    posix_port_wake();
}

static void on_message(struct mosquitto *client, void *context, const struct mosquitto_message *m)
{
    (void)client, (void)context;
    if (m->payloadlen <= 0 || (size_t)m->payloadlen > MAX_PAYLOAD) {
        return; /* the link counts nothing it never sees: an empty or oversize payload cannot be a message */
    }
    pthread_mutex_lock(&s_mqtt.lock);
    if (s_mqtt.count == QUEUE_SLOTS - 1u) { /* one slot stays with the main loop (current) */
        s_mqtt.dropped++;
    } else {
        uint32_t slot = (s_mqtt.head + s_mqtt.count) % QUEUE_SLOTS;
        memcpy(s_queue[slot].bytes, m->payload, (size_t)m->payloadlen);
        s_queue[slot].len = (size_t)m->payloadlen;
        s_mqtt.count++;
    }
    pthread_mutex_unlock(&s_mqtt.lock);
    posix_port_wake();
}

/* A duplicate of a request just answered (QoS 1 delivers twice): the same reply again, and true. */
static bool answered_again(const uint8_t *msg, size_t len)
{
    uint32_t id = peek_id(msg, len);
    for (uint32_t i = 0; id != 0 && i < ANSWERED; i++) {
        if (s_answered[i].id == id && s_answered[i].len > 0) {
            publish(s_mqtt.up, s_answered[i].bytes, s_answered[i].len, false);
            return true;
        }
    }
    return false;
}

static bool transport_receive(const uint8_t **msg, size_t *len)
{
    if (atomic_exchange(&s_mqtt.connected, 0)) {
        publish_status(); /* on the main loop: the description reads the app's state */
    }
    for (;;) {
        pthread_mutex_lock(&s_mqtt.lock);
        if (s_mqtt.current >= 0) {
            s_mqtt.head = (s_mqtt.head + 1u) % QUEUE_SLOTS; /* the message handed out last is done */
            s_mqtt.count--;
            s_mqtt.current = -1;
        }
        bool any = s_mqtt.count > 0;
        if (any) {
            s_mqtt.current = (int)s_mqtt.head;
        }
        pthread_mutex_unlock(&s_mqtt.lock);
        if (!any) {
            return false;
        }
        if (!answered_again(s_queue[s_mqtt.current].bytes, s_queue[s_mqtt.current].len)) {
            *msg = s_queue[s_mqtt.current].bytes;
            *len = s_queue[s_mqtt.current].len;
            return true;
        }
    }
}

static void transport_send(const uint8_t *msg, size_t len)
{
    uint32_t id = peek_id(msg, len);
    if (id != 0 && len <= MAX_PAYLOAD) {
        s_answered[s_answered_next].id = id;
        s_answered[s_answered_next].len = len;
        memcpy(s_answered[s_answered_next].bytes, msg, len);
        s_answered_next = (s_answered_next + 1u) % ANSWERED;
    }
    publish(s_mqtt.up, msg, len, false);
}

static const link_transport_t k_transport = {transport_receive, transport_send};

/* host and port from mqtt://host[:port] or mqtts://host[:port]; 0, or -1. */
static int parse_url(const char *url, char *host, size_t hostlen, int *port, bool *tls)
{
    const char *rest;
    if (strncmp(url, "mqtt://", 7) == 0) {
        rest = url + 7;
        *tls = false;
        *port = 1883;
    } else if (strncmp(url, "mqtts://", 8) == 0) {
        rest = url + 8;
        *tls = true;
        *port = 8883;
    } else {
        return -1;
    }
    size_t n = strcspn(rest, ":/");
    if (n == 0 || n >= hostlen) {
        return -1;
    }
    memcpy(host, rest, n);
    host[n] = '\0';
    if (rest[n] == ':') {
        char *end = NULL;
        long p = strtol(rest + n + 1, &end, 10);
        if (p < 1 || p > 65535 || (*end != '\0' && *end != '/')) {
            return -1;
        }
        *port = (int)p;
    }
    return 0;
}

static int read_password(const char *file, char *out, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (f == NULL || fgets(out, (int)cap, f) == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int agent_mqtt_start(const agent_mqtt_config *c, char *err, size_t errlen)
{
    char host[256], password[256] = {0};
    int port = 0;
    bool tls = false;
    if (parse_url(c->url, host, sizeof host, &port, &tls) != 0) {
        snprintf(err, errlen, "bad --mqtt %s (mqtt://host[:port] or mqtts://host[:port])", c->url);
        return -1;
    }
    if (tls && c->ca_file == NULL) {
        snprintf(err, errlen, "mqtts needs --mqtt-ca: the CA the broker's certificate is pinned to");
        return -1;
    }
    if (c->password_file != NULL && read_password(c->password_file, password, sizeof password) != 0) {
        snprintf(err, errlen, "cannot read --mqtt-password-file %s", c->password_file);
        return -1;
    }
    snprintf(s_mqtt.down, sizeof s_mqtt.down, "rtinfer/v1/dev/%s/down", c->device_id);
    snprintf(s_mqtt.up, sizeof s_mqtt.up, "rtinfer/v1/dev/%s/up", c->device_id);
    snprintf(s_mqtt.status, sizeof s_mqtt.status, "rtinfer/v1/dev/%s/status", c->device_id);
    char client_id[64];
    snprintf(client_id, sizeof client_id, "rtinfer-agent-%s", c->device_id);
    mosquitto_lib_init();
    s_mqtt.client = mosquitto_new(client_id, true, NULL);
    if (s_mqtt.client == NULL) {
        snprintf(err, errlen, "mosquitto_new failed");
        return -1;
    }
    static const uint8_t offline[3] = {0xA1, 0x00, 0xF4}; /* {0: false} */
    int rc = mosquitto_int_option(s_mqtt.client, MOSQ_OPT_TCP_NODELAY, 1);
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_will_set(s_mqtt.client, s_mqtt.status, sizeof offline, offline, 1, true);
    }
    if (rc == MOSQ_ERR_SUCCESS && c->username != NULL) {
        rc = mosquitto_username_pw_set(s_mqtt.client, c->username, c->password_file != NULL ? password : NULL);
    }
    if (rc == MOSQ_ERR_SUCCESS && tls) {
        rc = mosquitto_tls_set(s_mqtt.client, c->ca_file, NULL, NULL, NULL, NULL);
        if (rc == MOSQ_ERR_SUCCESS) {
            rc = mosquitto_tls_opts_set(s_mqtt.client, 1 /* SSL_VERIFY_PEER */, NULL, NULL);
        }
    }
    memset(password, 0, sizeof password);
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_reconnect_delay_set(s_mqtt.client, 1, 30, true);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        snprintf(err, errlen, "MQTT setup: %s", mosquitto_strerror(rc));
        return -1;
    }
    mosquitto_connect_callback_set(s_mqtt.client, on_connect);
    mosquitto_message_callback_set(s_mqtt.client, on_message);
    link_set_transport(&k_transport);
    /* Asynchronous: a broker that is not up yet is retried by the network thread. */
    rc = mosquitto_connect_async(s_mqtt.client, host, port, KEEPALIVE_S);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
        snprintf(err, errlen, "MQTT connect to %s:%d: %s", host, port, mosquitto_strerror(rc));
        return -1;
    }
    rc = mosquitto_loop_start(s_mqtt.client);
    if (rc != MOSQ_ERR_SUCCESS) {
        snprintf(err, errlen, "MQTT network thread: %s", mosquitto_strerror(rc));
        return -1;
    }
    return 0;
}

void agent_mqtt_stop(void)
{
    if (s_mqtt.client == NULL) {
        return;
    }
    static const uint8_t offline[3] = {0xA1, 0x00, 0xF4};
    publish(s_mqtt.status, offline, sizeof offline, true);
    mosquitto_disconnect(s_mqtt.client);
    mosquitto_loop_stop(s_mqtt.client, false);
    mosquitto_destroy(s_mqtt.client);
    s_mqtt.client = NULL;
    link_set_transport(NULL);
    mosquitto_lib_cleanup();
}

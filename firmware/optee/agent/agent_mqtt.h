/*
 * The agent's MQTT link (SPEC §5): rtinfer/v1/dev/<id>/down in, /up out, both QoS 1, and the retained status
 * {0: true, 1: <HELLO body>} with the last will {0: false}. libmosquitto runs its network loop on its own thread
 * (connect, keepalive, reconnects); messages reach the app's main loop through link_set_transport().
 */
#ifndef RTINFER_AGENT_MQTT_H
#define RTINFER_AGENT_MQTT_H

#include <stddef.h>

typedef struct {
    const char *url;           /* mqtt://host[:port] (1883) or mqtts://host[:port] (8883) */
    const char *device_id;
    const char *username;      /* NULL: anonymous */
    const char *password_file; /* its first line is the password; NULL: none */
    const char *ca_file;       /* the CA the broker's certificate must chain to (pinned); required for mqtts */
} agent_mqtt_config;

/* Connects (asynchronously: the link starts once the broker accepts) and makes the app's link this transport.
 * Returns 0, or -1 with a message (a bad URL, an unreadable file, the library refusing an option). */
int agent_mqtt_start(const agent_mqtt_config *config, char *err, size_t errlen);

/* Publishes the retained {0: false} (a clean shutdown) and disconnects. */
void agent_mqtt_stop(void);

#endif

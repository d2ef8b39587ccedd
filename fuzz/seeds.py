#!/usr/bin/env python3
"""Writes the starting corpus of each fuzz target (fuzz/corpus/<target>/seed-*): valid messages of every kind and
a sample of malformed ones, so libFuzzer starts from the shapes the system really sees. Run once; libFuzzer grows
the corpus from there (and `cargo fuzz cmin` shrinks it before it is committed)."""
import json, os, struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

def reading(sensor, value, broker="broker-primary", **extra):
    return json.dumps({"sensor": sensor, "value": value, "broker_used": broker, **extra}, ensure_ascii=False).encode()

payloads = {
    "seed": reading("temperature", 25.5),
    "full": reading("voltage", 231, "broker-secondary", seq=42, boot="7f3a", ts=1764000000000, unit="V"),
    "status": json.dumps({"sensor": "humidity", "status": "online", "broker_used": "b", "boot": "1"}).encode(),
    "unknown-key-4byte": reading("temperature", 1, **{"😀" * 40: 1}),
    "value-string-nonascii": reading("temperature", "二十五" * 20),
    "broker-nonascii": reading("temperature", 1, "€" * 65),
    "nested": b"[" * 300 + b"]" * 300,
    "surrogate": b'{"sensor":"temperature","value":1,"broker_used":"b","\\ud800":1}',
}
topics = {"seed": "sensor/temperature", "full": "sensor/voltage", "status": "sensor/humidity/status"}
for name, payload in payloads.items():
    write("payload_parser", name, topics.get(name, "sensor/temperature").encode() + b"\0" + payload)
write("payload_parser", "topic-nonascii", "sensor/température".encode() + b"\0" + reading("température", 1))

def remaining_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)

def packet(first, body):
    return bytes([first]) + remaining_length(len(body)) + body

def publish(topic, payload, qos=0, retain=False, pid=7):
    t = topic.encode()
    body = struct.pack(">H", len(t)) + t + (struct.pack(">H", pid) if qos else b"") + payload
    return packet(0x30 | (qos << 1) | (1 if retain else 0), body)

connack = packet(0x20, b"\x00\x00")
suback = packet(0x90, b"\x00\x01\x01")
pingresp = packet(0xd0, b"")
streams = {
    "connected-readings": suback + publish("sensor/temperature", payloads["full"], qos=1)
    + publish("sensor/humidity/status", payloads["status"], retain=True) + pingresp,
    "handshake": connack + suback + publish("sensor/voltage", payloads["full"]),
    "nonascii": suback + publish("sensor/temperature", payloads["unknown-key-4byte"], qos=1),
    "malformed-length": suback + b"\x30\xff\xff\xff\xff\x01",
}
for phase, (name, stream) in enumerate(streams.items()):
    # byte 0: phase (connack-wait 0 / suback-wait 1 / connected 2), byte 1: chunk size.
    start = 0 if name == "handshake" else 1
    write("session_decoder", name, bytes([start, 13]) + stream)

with open(os.path.join(os.path.dirname(ROOT), "..", "frontend", "config.json"), "rb") as f:
    write("config_json", "shipped", f.read())
write("config_json", "minimal", b'{"brokers":[{"name":"a","url":"ws://{host}:1"}]}')
write("config_json", "thresholds", b'{"brokers":[{"name":"a","url":"wss://h:1"}],"thresholds":{"t":{"warn_above":1}},"history_minutes":5}')

// The load benchmark's floor page (see tests/src/floor_page.rs): a measuring stick, not a dashboard. It does the
// least a correct dashboard must do with the readings, in plain JavaScript, and nothing else:
// - reads config.json and opens one WebSocket (subprotocol `mqtt`) per broker, `{host}` replaced by this page's host;
// - MQTT 3.1.1: CONNECT (the login from config.json, keepalive 60 s, clean session), SUBSCRIBE `sensor/#` at QoS 1,
//   a PINGREQ every 30 s;
// - splits the incoming bytes into packets (remaining length as a varint of 1–4 bytes; a packet may span messages),
//   counts the PUBLISH packets and acknowledges each QoS 1 one: PUBACKs are collected and sent together, in one
//   WebSocket message, after at most 20 ms (or once 1,024 bytes are waiting), as the dashboard does;
// - JSON-parses each payload and keeps the last `value` per sensor;
// - `?draw=1` (the default): in the animation frame after a reading of a card on screen, writes the latest value of
//   each changed card among the first 20 (the ones on screen at 1280 × 900) into its text node. `?draw=0` draws
//   nothing and runs no animation-frame loop of its own.
// Left out, compared with the dashboard: validating topics and payloads, deduplication, sequence gaps, broker
// state, liveness and failover (no reconnect: a closed socket is only counted), alerts, charts and history, the
// IndexedDB store, every card field but the value, and any card off screen. `?cards=N` sets the number of cards
// (500 by default). What the benchmark reads is `window.floor`.
'use strict';

const KEEP_ALIVE_S = 60;
const ACK_DELAY_MS = 20;
const ACK_BATCH_BYTES = 1024;
const DRAWN_CARDS = 20;

const query = new URLSearchParams(location.search);
const DRAW = query.get('draw') !== '0';
const CARDS = Number(query.get('cards')) || 500;

// Brokers subscribed, PUBLISH packets received, PUBACKs sent, payloads that were not a reading, sockets closed.
const floor = (window.floor = { subscribed: 0, received: 0, acked: 0, bad: 0, closed: 0 });
// Sensor name → its last value.
const latest = new Map();
// Sensor name → { text: the value's text node, shown: the text written last }, for the cards that are drawn.
const drawn = new Map();
let frameRequested = false;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

const cardName = i => 'load_' + String(i).padStart(3, '0');

// The cards: `[data-sensor]` holding `[data-field="value"]`, the dashboard's markup, so the benchmark's latency
// probe reads `load_000`'s value here too.
function buildCards() {
  const cards = document.createDocumentFragment();
  for (let i = 0; i < CARDS; i++) {
    const name = cardName(i);
    const card = document.createElement('div');
    card.className = 'card';
    card.dataset.sensor = name;
    const title = document.createElement('h2');
    title.textContent = name;
    const value = document.createElement('p');
    value.dataset.field = 'value';
    const text = document.createTextNode('—');
    value.appendChild(text);
    card.append(title, value);
    cards.appendChild(card);
    if (i < DRAWN_CARDS) drawn.set(name, { text, shown: '—' });
  }
  document.getElementById('cards').appendChild(cards);
}

function draw() {
  frameRequested = false;
  for (const [name, card] of drawn) {
    const value = latest.get(name);
    if (value === undefined) continue;
    const text = String(value);
    if (text !== card.shown) {
      card.text.data = text;
      card.shown = text;
    }
  }
}

function onReading(payload) {
  let reading;
  try {
    reading = JSON.parse(decoder.decode(payload));
  } catch {
    floor.bad++;
    return;
  }
  if (reading === null || typeof reading.sensor !== 'string' || typeof reading.value !== 'number') {
    floor.bad++;
    return;
  }
  latest.set(reading.sensor, reading.value);
  if (DRAW && !frameRequested && drawn.has(reading.sensor)) {
    frameRequested = true;
    requestAnimationFrame(draw);
  }
}

// MQTT encoding: a length-prefixed UTF-8 string, the remaining-length varint, a whole packet.
function mqttString(s) {
  const bytes = encoder.encode(s);
  return [bytes.length >> 8, bytes.length & 255, ...bytes];
}

function varint(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    out.push(byte);
  } while (n > 0);
  return out;
}

function packet(first, body) {
  return new Uint8Array([first, ...varint(body.length), ...body]);
}

function connectPacket(clientId, username, password) {
  let flags = 0x02; // clean session
  const payload = mqttString(clientId);
  if (typeof username === 'string') {
    flags |= 0x80;
    payload.push(...mqttString(username));
    if (typeof password === 'string') {
      flags |= 0x40;
      payload.push(...mqttString(password));
    }
  }
  const header = [...mqttString('MQTT'), 4, flags, KEEP_ALIVE_S >> 8, KEEP_ALIVE_S & 255];
  return packet(0x10, [...header, ...payload]);
}

const SUBSCRIBE = packet(0x82, [0, 1, ...mqttString('sensor/#'), 1]);
const PINGREQ = new Uint8Array([0xc0, 0]);

// One broker: its socket, the bytes of an unfinished packet, the PUBACKs waiting to go out.
function connect(broker, clientId) {
  const ws = new WebSocket(broker.url.replace('{host}', location.hostname), 'mqtt');
  ws.binaryType = 'arraybuffer';
  let rest = null;
  let acks = [];
  let ackTimer = 0;
  let pinger = 0;

  const flushAcks = () => {
    clearTimeout(ackTimer);
    ackTimer = 0;
    const out = new Uint8Array(acks.length * 4);
    acks.forEach((pid, i) => {
      out[i * 4] = 0x40;
      out[i * 4 + 1] = 2;
      out[i * 4 + 2] = pid >> 8;
      out[i * 4 + 3] = pid & 255;
    });
    ws.send(out);
    floor.acked += acks.length;
    acks = [];
  };

  const ack = pid => {
    acks.push(pid);
    if (acks.length * 4 >= ACK_BATCH_BYTES) flushAcks();
    else if (!ackTimer) ackTimer = setTimeout(flushAcks, ACK_DELAY_MS);
  };

  const onPacket = (first, body) => {
    switch (first >> 4) {
      case 2: // CONNACK
        if (body[1] !== 0) {
          console.warn(`${broker.name} refused the connection: return code ${body[1]}`);
          ws.close();
        } else {
          ws.send(SUBSCRIBE);
        }
        break;
      case 9: // SUBACK
        if (body[2] === 0x80) console.warn(`${broker.name} refused the subscription`);
        else floor.subscribed++;
        break;
      case 3: {
        // PUBLISH: topic, packet id if QoS > 0, payload.
        floor.received++;
        let at = 2 + ((body[0] << 8) | body[1]);
        if ((first >> 1) & 3) {
          ack((body[at] << 8) | body[at + 1]);
          at += 2;
        }
        onReading(body.subarray(at));
        break;
      }
      default: // PINGRESP, or nothing this client asked for
        break;
    }
  };

  // Splits `bytes` (after what is left of the last message) into packets; keeps an unfinished one for the next.
  const onBytes = bytes => {
    if (rest !== null) {
      const joined = new Uint8Array(rest.length + bytes.length);
      joined.set(rest);
      joined.set(bytes, rest.length);
      bytes = joined;
      rest = null;
    }
    let at = 0;
    while (at < bytes.length) {
      let length = 0;
      let i = at + 1;
      for (let shift = 1, digits = 0; ; shift *= 128, digits++) {
        if (digits === 4) {
          console.warn(`${broker.name} sent a remaining length longer than 4 bytes`);
          ws.close();
          return;
        }
        if (i >= bytes.length) {
          rest = bytes.slice(at);
          return;
        }
        const byte = bytes[i++];
        length += (byte & 127) * shift;
        if (!(byte & 128)) break;
      }
      if (i + length > bytes.length) {
        rest = bytes.slice(at);
        return;
      }
      onPacket(bytes[at], bytes.subarray(i, i + length));
      at = i + length;
    }
  };

  ws.onopen = () => {
    ws.send(connectPacket(clientId, broker.username, broker.password));
    pinger = setInterval(() => ws.send(PINGREQ), (KEEP_ALIVE_S * 1000) / 2);
  };
  ws.onmessage = event => onBytes(new Uint8Array(event.data));
  ws.onclose = () => {
    clearInterval(pinger);
    clearTimeout(ackTimer);
    floor.closed++;
    console.warn(`${broker.name}: socket closed`);
  };
}

async function start() {
  buildCards();
  const config = await (await fetch('config.json', { cache: 'no-cache' })).json();
  const clientId = 'floor-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8);
  for (const broker of config.brokers) connect(broker, clientId);
}

start().catch(e => console.error('floor page:', e));

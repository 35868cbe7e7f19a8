// The bytes of grpc.health.v1.Health/Check: the request and response messages in protobuf, each in the
// 5-byte gRPC message prefix.
//
// Encoded by hand rather than with protobufjs: the two messages have one field each (a string and an
// enum), which is a tag byte, a varint and the string's bytes; a protobuf runtime would be a large
// dependency in the control plane for those few bytes. The decoder is defensive: unknown fields are
// skipped by wire type, and truncated input, a compressed message or a second message is an error.

/** HealthCheckResponse.ServingStatus; any other value is shown as its number. */
const SERVING_STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export const SERVING = 1;

const MESSAGE_PREFIX_BYTES = 5;
const FIELD_STATUS = 1;
const FIELD_SERVICE = 1;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const MAX_VARINT_BYTES = 10;

/** What a reply's bytes did not conform to; its message is the check's detail. */
export class MalformedReply extends Error {}

export function servingStatusName(status: number): string {
  return SERVING_STATUS_NAMES[status] ?? `status ${status}`;
}

function encodeVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/** A gRPC length-prefixed message (uncompressed) holding HealthCheckRequest { service }. */
export function encodeCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  // proto3 leaves out a field at its default, so the whole-server check ("") is an empty message.
  const message =
    name.length === 0
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([(FIELD_SERVICE << 3) | WIRE_LENGTH_DELIMITED, ...encodeVarint(name.length)]), name]);
  const prefix = Buffer.alloc(MESSAGE_PREFIX_BYTES);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Reads a varint at `offset`; returns its value (as a 64-bit unsigned BigInt) and the next offset. */
function readVarint(bytes: Buffer, offset: number): [bigint, number] {
  let value = 0n;
  for (let index = 0; index < MAX_VARINT_BYTES; index++) {
    const byte = bytes[offset + index];
    if (byte === undefined) throw new MalformedReply('malformed reply: truncated varint');
    value |= BigInt(byte & 0x7f) << BigInt(7 * index);
    if ((byte & 0x80) === 0) return [BigInt.asUintN(64, value), offset + index + 1];
  }
  throw new MalformedReply('malformed reply: varint longer than 10 bytes');
}

/** Decodes HealthCheckResponse and returns its status (UNKNOWN when the field is absent, as in proto3). */
function decodeCheckResponse(message: Buffer): number {
  let status = 0;
  let offset = 0;
  while (offset < message.length) {
    const [key, afterKey] = readVarint(message, offset);
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    offset = afterKey;
    if (field === FIELD_STATUS) {
      if (wireType !== WIRE_VARINT) throw new MalformedReply(`malformed reply: status field has wire type ${wireType}`);
      const [value, next] = readVarint(message, offset);
      // An enum is an int32: a negative one arrives as 10 bytes of two's complement. The last one wins.
      status = Number(BigInt.asIntN(32, value));
      offset = next;
      continue;
    }
    offset = skipField(message, offset, wireType);
  }
  return status;
}

function skipField(message: Buffer, offset: number, wireType: number): number {
  let next: number;
  switch (wireType) {
    case WIRE_VARINT:
      return readVarint(message, offset)[1];
    case WIRE_FIXED64:
      next = offset + 8;
      break;
    case WIRE_FIXED32:
      next = offset + 4;
      break;
    case WIRE_LENGTH_DELIMITED: {
      const [length, afterLength] = readVarint(message, offset);
      next = afterLength + Number(length);
      break;
    }
    default:
      // Groups (3, 4) are deprecated and never part of this message; 6 and 7 do not exist.
      throw new MalformedReply(`malformed reply: unsupported wire type ${wireType}`);
  }
  if (next > message.length) throw new MalformedReply('malformed reply: truncated field');
  return next;
}

/** The serving status in a unary reply's body: exactly one uncompressed gRPC message. */
export function decodeCheckReply(body: Buffer): number {
  if (body.length < MESSAGE_PREFIX_BYTES) throw new MalformedReply(`malformed reply: ${body.length} body bytes, no message`);
  if (body.readUInt8(0) !== 0) throw new MalformedReply('malformed reply: compressed message (the check accepts identity only)');
  const length = body.readUInt32BE(1);
  const end = MESSAGE_PREFIX_BYTES + length;
  if (body.length < end) throw new MalformedReply(`malformed reply: message of ${length} bytes truncated`);
  if (body.length > end) throw new MalformedReply('malformed reply: more than one message');
  return decodeCheckResponse(body.subarray(MESSAGE_PREFIX_BYTES, end));
}

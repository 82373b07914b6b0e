/** @module CRC-32 (IEEE 802.3, as zlib/binascii) for Hyperband's trial-to-bracket hash. */
const TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

export function crc32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let c = -1;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

'use strict';
// Records how node encodes and decodes strings in every encoding, for
// tests/writable_encoding.rs (which reads the output, never node).
// Re-record: node tests/writable_encoding_cases.js > tests/writable_encoding_cases.txt
//
// Lines:  E <enc> <input as UTF-8 hex> <Buffer.from(input, enc) as hex>
//         D <enc> <input bytes as hex> <buf.toString(enc) as UTF-8 hex>
// (a '-' stands for an empty hex field)

let seed = 12345;
function rnd(n) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
}
const alphabet = ['a', 'G', 'k', 'Z', '0', '9', 'f', 'F', 'z', '+', '/', '-', '_', '=', ' ',
  '\n', '!', 'é', 'ő', 'š', '€', '😀', 'ÿ', '\u0100', 'Q', 'w'];
const encodings = ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'ascii', 'utf16le'];
const hex = (b) => (b.length ? Buffer.from(b).toString('hex') : '-');
const out = [];
for (let i = 0; i < 400; i++) {
  let s = '';
  const len = rnd(12);
  for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
  for (const enc of encodings) out.push(`E ${enc} ${hex(Buffer.from(s, 'utf8'))} ${hex(Buffer.from(s, enc))}`);
}
for (let i = 0; i < 300; i++) {
  const len = rnd(10);
  const bytes = [];
  for (let j = 0; j < len; j++) bytes.push(rnd(4) === 0 ? rnd(256) : [0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xd8, 0xdc, 0x00, 0xff, 0x80][rnd(15)]);
  for (const enc of encodings) out.push(`D ${enc} ${hex(bytes)} ${hex(Buffer.from(Buffer.from(bytes).toString(enc), 'utf8'))}`);
}
process.stdout.write(out.join('\n') + '\n');

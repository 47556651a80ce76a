import { expect, test } from 'bun:test';
import { readZip, writeZip } from './zip';

test('zip round-trips names and bytes, including UTF-8 and empty files', () => {
  const entries = [
    { name: 'DEFAULT_GROUP/app.yaml', data: new TextEncoder().encode('a: 1\n中文: ✓\n') },
    { name: 'G/empty', data: new Uint8Array() },
  ];
  const back = readZip(writeZip(entries));
  expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
  expect(new TextDecoder().decode(back[0]!.data)).toBe('a: 1\n中文: ✓\n');
  expect(back[1]!.data.length).toBe(0);
});

test('readZip rejects garbage', () => {
  expect(() => readZip(new TextEncoder().encode('not a zip at all, definitely not'))).toThrow(
    'not a zip file',
  );
});

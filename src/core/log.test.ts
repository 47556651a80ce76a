import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelFilter, Log, MemorySink, RotatingFileSink, redact } from './log';

describe('LevelFilter', () => {
  test('bare level sets default, targets override by prefix', () => {
    const f = new LevelFilter('warn,storage=debug,naming.health=trace');
    expect(f.minRank('batata')).toBe(3);
    expect(f.minRank('storage')).toBe(1);
    expect(f.minRank('storage.mysql')).toBe(1);
    expect(f.minRank('storagex')).toBe(3);
    expect(f.minRank('naming.health')).toBe(0);
    expect(f.minRank('naming')).toBe(3);
  });
  test('batata=level is the default level', () => {
    expect(new LevelFilter('batata=debug,sea_orm=warn').minRank('config')).toBe(1);
  });
  test('validates specs', () => {
    expect(LevelFilter.isValid('info')).toBe(true);
    expect(LevelFilter.isValid('batata=debug,storage=warn')).toBe(true);
    expect(LevelFilter.isValid('loud')).toBe(false);
  });
});

describe('Log', () => {
  test('filters, structures and redacts', () => {
    const sink = new MemorySink();
    const log = new Log({ filter: new LevelFilter('info,storage=error'), sinks: [sink] });
    log.debug('hidden');
    log.info('shown', { user: 'a', password: 'p', accessToken: 't' });
    log.child('storage').warn('hidden too');
    log.child('storage').error('boom', { err: new Error('x') });
    expect(sink.lines.length).toBe(2);
    const rec = JSON.parse(sink.lines[0]!);
    expect(rec).toMatchObject({
      level: 'info',
      target: 'batata',
      msg: 'shown',
      user: 'a',
      password: '***',
      accessToken: '***',
    });
    expect(JSON.parse(sink.lines[1]!).err.message).toBe('x');
  });
  test('redact leaves plain fields alone', () => {
    const f = { a: 1 };
    expect(redact(f)).toBe(f);
  });
});

test('RotatingFileSink rotates by size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'batata-log-'));
  const sink = new RotatingFileSink(join(dir, 'batata.log'), 100, 2);
  for (let i = 0; i < 10; i++) {
    sink.write(`${'x'.repeat(60)}\n`);
    sink.flush();
  }
  sink.close();
  const files = readdirSync(dir).sort();
  expect(files).toEqual(['batata.log', 'batata.log.1', 'batata.log.2']);
  expect(readFileSync(join(dir, 'batata.log.1'), 'utf8').length).toBeGreaterThan(0);
});

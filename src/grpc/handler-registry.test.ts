import { describe, expect, test } from 'bun:test';
import { InvalidArgument, NotFound, PermissionDenied, Unauthenticated } from '../core/errors';
import { LevelFilter, Log, MemorySink } from '../core/log';
import type { AuthGate } from '../server/auth-gate';
import { Connection } from './connection';
import { type GrpcHandler, HandlerRegistry } from './handler-registry';
import type { PushChannel } from './push';

const log = new Log({ filter: new LevelFilter('off'), sinks: [new MemorySink()] });
const conn = new Connection(
  {
    id: 'c1',
    remoteIp: '127.0.0.1',
    remotePort: 1,
    clientIp: '10.0.0.7',
    clientVersion: 'v',
    tenant: '',
    labels: {},
  },
  {} as PushChannel,
  () => {},
  0,
);

const query: GrpcHandler = {
  type: 'ConfigQueryRequest',
  responseType: 'ConfigQueryResponse',
  secured: { resource: 'config', action: 'r' },
  resource: (r) => ({ namespaceId: r.tenant || 'public', group: r.group, name: r.dataId }),
  errorCodes: { not_found: 300 },
  handle(r) {
    if (r.dataId === 'missing') throw new NotFound('config data not exist');
    if (r.dataId === 'bad') throw new InvalidArgument('bad dataId');
    if (r.dataId === 'boom') throw new Error('secret detail');
    return { content: 'x' };
  },
};

describe('HandlerRegistry', () => {
  test('duplicate request types fail at startup', () => {
    expect(() => new HandlerRegistry([query, { ...query }], { auth: () => undefined, log })).toThrow(
      /duplicate gRPC handler for ConfigQueryRequest/,
    );
  });

  test('typed errors become the handler response type with mapped errorCode', async () => {
    const reg = new HandlerRegistry([query], { auth: () => undefined, log });
    const run = (dataId: string) => reg.dispatch(query, { headers: {}, dataId, group: 'G' }, conn);
    expect(await run('a')).toEqual({
      type: 'ConfigQueryResponse',
      body: { content: 'x', resultCode: 200, errorCode: 0, success: true },
      result: 'success',
    });
    expect((await run('missing')).body).toEqual({
      resultCode: 500,
      errorCode: 300,
      message: 'config data not exist',
      success: false,
    });
    expect((await run('bad')).body.errorCode).toBe(400);
    const boom = await run('boom');
    expect(boom.type).toBe('ConfigQueryResponse');
    expect(boom.body.errorCode).toBe(500);
    expect(String(boom.body.message)).not.toContain('secret');
  });

  test('auth: credentials from metadata headers; denials map to errorCode 403 in the typed response', async () => {
    const seen: unknown[] = [];
    const gate: AuthGate = {
      enabled: true,
      async authorize(decl, res, creds) {
        seen.push({ decl, res, token: creds.accessToken, bearer: creds.bearer, ip: creds.ip });
        if (creds.accessToken === 'good') return { username: 'u' };
        if (creds.accessToken) throw new PermissionDenied('authorization failed!');
        throw new Unauthenticated('user not found!');
      },
    };
    const reg = new HandlerRegistry([query], { auth: () => gate, log });
    const ok = await reg.dispatch(query, { headers: { accessToken: 'good' }, dataId: 'a', group: 'G' }, conn);
    expect(ok.body.success).toBe(true);
    expect(seen[0]).toEqual({
      decl: { resource: 'config', action: 'r' },
      res: { namespaceId: 'public', group: 'G', name: 'a' },
      token: 'good',
      bearer: undefined,
      ip: '10.0.0.7',
    });
    for (const headers of [{ accessToken: 'other' }, {}] as Record<string, string>[]) {
      const r = await reg.dispatch(query, { headers, dataId: 'a', group: 'G' }, conn);
      expect(r.type).toBe('ConfigQueryResponse');
      expect(r.body).toMatchObject({ resultCode: 500, errorCode: 403, success: false });
      expect(r.result).toBe('no_right');
    }
  });
});

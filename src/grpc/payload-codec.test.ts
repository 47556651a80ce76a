import { describe, expect, test } from 'bun:test';
import {
  encodePayload,
  errorBody,
  PayloadError,
  parseBody,
  readEnvelope,
  requestBody,
  responseBody,
  toJson,
} from './payload-codec';

const enc = new TextEncoder();
const json = (p: ReturnType<typeof encodePayload>) => JSON.parse(new TextDecoder().decode(p.body!.value!));

describe('payload codec (spec §A.2, §A.8)', () => {
  test('ConfigQueryResponse frame as in the spec example: type, empty type_url, success, no nulls', () => {
    const p = encodePayload(
      'ConfigQueryResponse',
      responseBody({
        content: 'a: 1',
        contentType: 'yaml',
        md5: 'x',
        lastModified: 1700000000000,
        beta: false,
        tag: null,
        encryptedDataKey: undefined,
      }),
    );
    expect(p.metadata!.type).toBe('ConfigQueryResponse');
    expect(p.body!.type_url).toBe('');
    const body = json(p);
    expect(body).toEqual({
      resultCode: 200,
      errorCode: 0,
      content: 'a: 1',
      contentType: 'yaml',
      md5: 'x',
      lastModified: 1700000000000,
      beta: false,
      success: true,
    });
    expect('tag' in body).toBe(false);
  });

  test('failure responses: resultCode 500, errorCode, message, success false', () => {
    expect(errorBody(300, 'config data not exist')).toEqual({
      resultCode: 500,
      errorCode: 300,
      message: 'config data not exist',
      success: false,
    });
  });

  test('server push request carries requestId, module and empty headers (§A.8 ConfigChangeNotifyRequest)', () => {
    const b = requestBody('config', { dataId: 'app.yaml', group: 'DEFAULT_GROUP', tenant: null }, '42');
    expect(JSON.parse(toJson(b))).toEqual({
      headers: {},
      requestId: '42',
      dataId: 'app.yaml',
      group: 'DEFAULT_GROUP',
      module: 'config',
    });
  });

  test('empty strings and collections are kept; nested nulls are dropped', () => {
    expect(JSON.parse(toJson({ a: '', b: [], c: {}, d: { e: null, f: 0 } }))).toEqual({
      a: '',
      b: [],
      c: {},
      d: { f: 0 },
    });
  });

  test('decoding ignores unknown fields and tolerates empty bodies', () => {
    expect(parseBody(enc.encode('{"dataId":"a","somethingNew":{"x":1}}'))).toEqual({
      dataId: 'a',
      somethingNew: { x: 1 },
    });
    expect(parseBody(new Uint8Array())).toEqual({});
  });

  test('malformed and non-object bodies are BAD_GATEWAY (502)', () => {
    for (const bad of ['{x', '[1]', '"s"', 'null', '42']) {
      try {
        parseBody(enc.encode(bad));
        throw new Error('expected failure');
      } catch (e) {
        expect(e).toBeInstanceOf(PayloadError);
        expect((e as PayloadError).errorCode).toBe(502);
      }
    }
  });

  test('envelope reader defaults missing metadata', () => {
    expect(readEnvelope({})).toEqual({ type: '', clientIp: '', headers: {}, raw: new Uint8Array() });
    const e = readEnvelope({ metadata: { type: 'X', clientIp: '10.0.0.7', headers: { notify: 'false' } } });
    expect(e.type).toBe('X');
    expect(e.clientIp).toBe('10.0.0.7');
    expect(e.headers).toEqual({ notify: 'false' });
  });
});

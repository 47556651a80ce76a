import { describe, expect, test } from 'bun:test';
import { goBase64Error, goTypeError, isGoUint64 } from './go-json';

describe('Go encoding/json error texts', () => {
  test('type errors name the JSON kind, the field path and the Go type', () => {
    expect(goTypeError('abc', 'uint64', { struct: 'KVTxnOp', path: 'KV.Flags' })).toBe(
      'json: cannot unmarshal string into Go struct field KVTxnOp.KV.Flags of type uint64',
    );
    expect(goTypeError(1.5, 'uint64', { struct: 'KVTxnOp', path: 'KV.Flags' })).toBe(
      'json: cannot unmarshal number 1.5 into Go struct field KVTxnOp.KV.Flags of type uint64',
    );
    expect(goTypeError(123, 'string', { struct: 'KVTxnOp', path: 'KV.Key' })).toBe(
      'json: cannot unmarshal number into Go struct field KVTxnOp.KV.Key of type string',
    );
    expect(goTypeError(7, 'api.TxnOp')).toBe('json: cannot unmarshal number into Go value of type api.TxnOp');
    expect(goTypeError([], 'api.TxnOp')).toBe('json: cannot unmarshal array into Go value of type api.TxnOp');
    expect(goTypeError(true, 'string')).toBe('json: cannot unmarshal bool into Go value of type string');
  });

  test('uint64 accepts integer literals in range and null only', () => {
    for (const ok of [0, 42, null, undefined, '18446744073709551615', 18446744073709551615n])
      expect(isGoUint64(ok)).toBe(true);
    for (const bad of [-1, 1.5, 'abc', '18446744073709551616', true, {}, []])
      expect(isGoUint64(bad)).toBe(false);
  });

  test('base64 is strict StdEncoding with Go offsets', () => {
    expect(goBase64Error('')).toBeUndefined();
    expect(goBase64Error('aGVsbG8=')).toBeUndefined();
    expect(goBase64Error('aGVs\r\nbG8=')).toBeUndefined();
    expect(goBase64Error('%%%not base64')).toBe('illegal base64 data at input byte 0');
    expect(goBase64Error('aGVsbG8')).toBe('illegal base64 data at input byte 4');
    expect(goBase64Error('a===')).toBe('illegal base64 data at input byte 1');
    expect(goBase64Error('YQ==YQ==')).toBe('illegal base64 data at input byte 4');
    expect(goBase64Error('aGV-')).toBe('illegal base64 data at input byte 3');
  });
});

import { describe, expect, test } from 'bun:test';
import { InvalidArgument } from '../core/errors';
import { MissingParameter, Params } from './params';

const params = (values: Record<string, string>) => Params.from(values, undefined);

describe('Params integers', () => {
  test('int is a Java Integer: digits within 32 bits, blank → default', () => {
    expect(params({ pageNo: ' 7 ' }).int('pageNo', 1)).toBe(7);
    expect(params({ pageNo: '-2147483648' }).int('pageNo', 1)).toBe(-(2 ** 31));
    expect(params({ pageNo: '2147483647' }).int('pageNo', 1)).toBe(2 ** 31 - 1);
    expect(params({ pageNo: '' }).int('pageNo', 1)).toBe(1);
    for (const bad of [
      '2147483648',
      '99999999999999999999999',
      '1.5',
      '1e3',
      'NaN',
      'abc',
      '0x10',
      'Infinity',
    ])
      expect(() => params({ pageNo: bad }).int('pageNo', 1), bad).toThrow(
        new InvalidArgument(`parameter 'pageNo' must be an integer, got '${bad}'`, 20002),
      );
  });

  test('long allows ids past 32 bits up to the exact doubles', () => {
    expect(params({ nid: '4294967296' }).long('nid', 0)).toBe(4294967296);
    expect(params({ nid: String(Number.MAX_SAFE_INTEGER) }).long('nid', 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => params({ nid: '9007199254740993' }).long('nid', 0)).toThrow(InvalidArgument);
    expect(() => params({ nid: 'abc' }).long('nid', 0)).toThrow(InvalidArgument);
  });

  test('requiredLong: missing is 10000, malformed is 20002', () => {
    expect(params({ nid: '12' }).requiredLong('nid')).toBe(12);
    expect(() => params({}).requiredLong('nid')).toThrow(MissingParameter);
    try {
      params({ nid: 'x' }).requiredLong('nid');
      throw new Error('no error');
    } catch (e) {
      expect((e as InvalidArgument).detailCode).toBe(20002);
    }
  });
});

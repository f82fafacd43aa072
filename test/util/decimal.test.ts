import { describe, expect, it } from 'vitest';
import { compareDecimal, fixDecimals, formatMoney, formulaSafe, grouped, numberString, roundDecimal, subtractDecimal, sumDecimals } from '../../src/util/decimal.ts';

describe('decimal strings', () => {
  it('sum and subtract exactly, where binary floats would not', () => {
    expect(sumDecimals(['0.10', '0.20'], 2)).toBe('0.30');
    expect(sumDecimals(['1.10', '-0.25', '-2.005'], 2)).toBe('-1.16'); // -2.005 rounds to -2.01 first
    expect(sumDecimals([], 2)).toBe('0.00');
    expect(sumDecimals(['12345678901234567890.12', '0.01'], 2)).toBe('12345678901234567890.13');
    expect(subtractDecimal('2100.96', '1839.24', 2)).toBe('261.72');
    expect(subtractDecimal('1.00', '-0.5', 2)).toBe('1.50');
    expect(subtractDecimal('0', '0.01', 0)).toBe('0');
  });

  it('round half away from zero on the digits', () => {
    expect(roundDecimal('2.345', 2)).toBe('2.35');
    expect(roundDecimal('-2.345', 2)).toBe('-2.35');
    expect(roundDecimal('-0.004', 2)).toBe('0.00');
    expect(roundDecimal('999.995', 2)).toBe('1000.00');
    // a float would get this wrong: 1.005 is 1.00499999999999989… as a double
    expect(roundDecimal('1.005', 2)).toBe('1.01');
  });

  it('group, format and fix decimals', () => {
    expect(grouped('1234567.5')).toBe('1,234,567.50');
    expect(formatMoney('-12.3', 'USD')).toBe('-$12.30');
    expect(formatMoney('1000', 'SEK')).toBe('1,000.00 SEK');
    expect(fixDecimals('12.300000', 2)).toBe('12.30');
    expect(fixDecimals('-7.000000', 0)).toBe('-7');
    expect(numberString(1e-7)).toBe('0.0000001');
  });

  it('compare exactly', () => {
    expect(compareDecimal('10.01', '10.009999999999')).toBe(1);
    expect(compareDecimal('-5', '-5.000')).toBe(0);
    expect(compareDecimal('-5.5', '2')).toBe(-1);
  });

  it('formula-safe cells: text that a spreadsheet would run gets a leading quote; numbers stay', () => {
    expect(['=HYPERLINK("x")', '+cmd', '-svc', '@SUM(1)', '\tx', '\rx', '-12.30', '+1', 'plain'].map(formulaSafe)).toEqual([
      `'=HYPERLINK("x")`, "'+cmd", "'-svc", "'@SUM(1)", "'\tx", "'\rx", '-12.30', '+1', 'plain',
    ]);
  });
});

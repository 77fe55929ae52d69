// spdx-expression-parse ships no types: it throws on an invalid SPDX expression.
declare module 'spdx-expression-parse' {
  export default function parse(expression: string): unknown;
}

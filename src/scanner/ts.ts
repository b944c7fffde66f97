/**
 * The one door to the parser. Rules and helpers take the TypeScript API from here so the scanner
 * owns which compiler (ts-morph's bundled one) is in use.
 */
export { ts } from 'ts-morph';

// The Inglehart-Welzel cultural map: ten IVS items projected onto the map's two axes.
export { IW_MAP, type IwMapScores, type IwMapSettings } from './iw-map-instrument.ts';
export { IVS_ITEMS, projectAnswers, recodeY002, recodeY003, Y003_QUALITIES, type IvsItem, type MapPosition } from './projection.ts';
export { reversedPrompt } from './reversed-prompts.ts';

import type { SetAsideItem } from '../util/set-aside.ts';

/** CulturalBench records as the rest of cultune sees them, independent of the CSV layout. */

export const OPTION_LETTERS = ['A', 'B', 'C', 'D'] as const;

/** One CulturalBench-Easy question: four options, one of them right. */
export interface EasyQuestion {
  /** `question_idx`, shared with the Hard version of the same question. */
  id: number;
  question: string;
  options: [string, string, string, string];
  /** Index (0..3) of the right option in `options`. */
  answer: number;
  country: string;
}

export interface HardStatement {
  text: string;
  isTrue: boolean;
}

/** One CulturalBench-Hard question: four statements, each to be judged true or false. */
export interface HardQuestion {
  id: number;
  question: string;
  statements: [HardStatement, HardStatement, HardStatement, HardStatement];
  country: string;
}

/** Where the CSV files came from, kept in the output so a result can be traced to its data. */
export interface DataFileInfo {
  kind: 'easy' | 'hard';
  path: string;
  sha256: string;
  origin: 'local' | 'cache' | 'download';
}

export interface CulturalBenchData {
  easy: EasyQuestion[];
  hard: HardQuestion[];
  files: DataFileInfo[];
  /** Rows of the files that cannot be asked, with the reason (never silently dropped). */
  setAside: SetAsideItem[];
}

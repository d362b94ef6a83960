import type { Row } from './lib';

export interface GoalCheck {
  goal: string;
  value: number;
  met: boolean;
}

/** What each benchmark hands back to bench/run.ts: a table to print, the raw data (already saved) and goal checks. */
export interface BenchResult {
  name: string;
  title: string;
  rows: Row[];
  /** Further tables under the main one. */
  extraTables?: Array<{ title: string; rows: Row[] }>;
  raw: unknown;
  /** Where the raw JSON went (bench/results/<name>.json). */
  file: string;
  goals: GoalCheck[];
  notes?: string[];
}

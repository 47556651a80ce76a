export { blockingQuery, type QueryResult, WatchSet, waitForTopics } from './blocking-query';
export { GroupCommit, type Outcome } from './group-commit';
export {
  type Change,
  ChangeFeed,
  type Entry,
  StateStore,
  Table,
  type Topic,
  WriteContext,
} from './state-store';

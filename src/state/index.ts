export { blockingQuery, type QueryResult, WatchSet, waitForTopics } from './blocking-query';
export { GroupCommit, type Outcome } from './group-commit';
export {
  type Change,
  ChangeFeed,
  type DeleteOptions,
  type Entry,
  type PutOptions,
  StateStore,
  Table,
  type Topic,
  WriteContext,
} from './state-store';

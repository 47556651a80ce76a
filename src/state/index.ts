export { blockingQuery, type QueryResult, WatchSet, waitForTopics } from './blocking-query';
export {
  type Change,
  ChangeFeed,
  type Entry,
  StateStore,
  Table,
  type Topic,
  WriteContext,
} from './state-store';

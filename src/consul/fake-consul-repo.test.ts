import { runConsulRepoContract } from '../storage/contract/consul-repo.contract';
import { FakeConsulRepo } from './fake-consul-repo';

runConsulRepoContract('fake', async () => ({ repo: new FakeConsulRepo(), close: async () => {} }));

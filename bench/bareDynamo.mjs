// The floor of the guard's cost in `bench api`: the same dynalite the local stack runs (in a process
// of its own, its tables in the folder given, the same options), with no guard in front. Prints its
// endpoint, then serves until killed. Never part of the product: the stack's DynamoDB always runs
// behind its guard.
import dynalite from 'dynalite';

const server = dynalite({ path: process.argv[2], createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));

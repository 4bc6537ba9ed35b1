// etcd for the loopback cluster. The server module's own entry point is etcdmain.Main; the
// repository's root main that calls it is a separate module with relative replaces, which a
// module outside that repository cannot use.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

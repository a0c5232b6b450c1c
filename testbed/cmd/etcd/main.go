// Command etcd runs a single-member etcd (go.etcd.io/etcd/server/v3/embed) for the
// gameday test control plane: plain HTTP on 127.0.0.1 only, its own data directory.
//
//	etcd --data-dir DIR --client-port N --peer-port M
//	etcd compact --endpoint http://127.0.0.1:N   compacts to the current revision
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "compact" {
		compact(os.Args[2:])
		return
	}
	dataDir := flag.String("data-dir", "", "data directory (required)")
	clientPort := flag.Int("client-port", 0, "client port on 127.0.0.1 (required)")
	peerPort := flag.Int("peer-port", 0, "peer port on 127.0.0.1 (required)")
	name := flag.String("name", "testbed", "member name")
	fsync := flag.Bool("fsync", false, "fsync writes (off: a test cluster needs no durability, and fsync is slow)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()
	if *dataDir == "" || *clientPort == 0 || *peerPort == 0 {
		flag.Usage()
		os.Exit(2)
	}

	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dataDir
	client := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *clientPort)}
	peer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *peerPort)}
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = !*fsync
	cfg.LogLevel = *logLevel
	cfg.LogOutputs = []string{"stderr"}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatalf("etcd: start: %v", err)
	}
	select {
	case <-e.Server.ReadyNotify():
		log.Printf("etcd: ready, clients on %s, data in %s", client.String(), *dataDir)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		log.Fatalf("etcd: not ready after 60 s")
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Printf("etcd: %v, stopping", s)
		e.Close()
	case err := <-e.Err():
		log.Fatalf("etcd: %v", err)
	}
}

// compact compacts the key space up to the current revision, so that a watch from an
// older resourceVersion gets 410 Gone from kube-apiserver (once its watch cache has moved on).
func compact(args []string) {
	fs := flag.NewFlagSet("compact", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "client URL, e.g. http://127.0.0.1:2379 (required)")
	_ = fs.Parse(args)
	if *endpoint == "" {
		fs.Usage()
		os.Exit(2)
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		log.Fatalf("etcd compact: %v", err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := cli.Status(ctx, *endpoint)
	if err != nil {
		log.Fatalf("etcd compact: status: %v", err)
	}
	rev := st.Header.Revision
	if _, err := cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		log.Fatalf("etcd compact: %v", err)
	}
	fmt.Println(rev)
}

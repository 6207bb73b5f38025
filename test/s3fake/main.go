// Command s3fake serves an S3-protocol endpoint on a loopback port, backed by gofakes3's
// in-memory backend, for the audit exporter's tests. It prints "listening <url>" on stdout
// once the socket accepts connections, and serves until killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	bucket := flag.String("bucket", "", "bucket to create at start")
	flag.Parse()
	backend := s3mem.New()
	if *bucket != "" {
		if err := backend.CreateBucket(*bucket); err != nil {
			log.Fatalf("create bucket: %v", err)
		}
	}
	faker := gofakes3.New(backend)
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Fprintf(os.Stdout, "listening http://%s\n", listener.Addr())
	log.Fatal(http.Serve(listener, faker.Server()))
}

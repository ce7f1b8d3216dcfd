// Command sqliteonly is a server of generated services on SQLite alone, for
// crudrt's TestDriversNotLinked: `go list -deps` on it must name neither
// pgx nor the MySQL driver.
package main

import (
	"log"
	"net/http"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
)

func main() {
	db, err := gorm.Open(sqlite.Open("file:library.db?_txlock=immediate"), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(libraryv1connect.NewBookServiceHandler(libraryv1.NewBookServiceCRUD(db)))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}

package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/coderacer/coderacer/client"
)

func Example() {
	c, err := client.New("http://localhost:8000", client.WithAPIKey(os.Getenv("CODERACER_API_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.Execute(ctx, &client.ExecuteRequest{
		Language:   "python3",
		Entrypoint: "main.py",
		Files:      []client.File{{Name: "main.py", Content: "import sys\nprint(sys.stdin.read().upper())"}},
		Stdin:      "hello",
		Limits:     &client.Limits{CPUTimeMs: 1000},
	})
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr):
		log.Fatalf("refused: HTTP %d: %s", apiErr.StatusCode, apiErr.Message)
	case err != nil:
		log.Fatal(err)
	}
	// A program's failure is no error: its status says what happened.
	fmt.Print(res.Stdout)
	fmt.Println(res.Status, res.ExitCode, res.CPUTime, res.Memory)
}

func ExampleClient_Judge() {
	c, _ := client.New("http://localhost:8000")
	res, err := c.Judge(context.Background(), &client.JudgeRequest{
		Language:   "python3",
		Entrypoint: "main.py",
		Files:      []client.File{{Name: "main.py", Content: "a, b = map(int, input().split())\nprint(a + b)"}},
		Tests: []client.JudgeTest{
			{Name: "small", Stdin: "1 2\n", ExpectedOutput: "3\n"},
			{Name: "large", Stdin: "1000000000 1000000000\n", ExpectedOutput: "2000000000\n"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range res.Tests {
		fmt.Println(t.Name, t.Verdict, t.CPUTime, t.Points)
	}
	fmt.Printf("%s: %d/%d passed\n", res.Status, res.Passed, res.Total)
}

func ExampleClient_Connect() {
	c, _ := client.New("http://localhost:8000")
	ctx := context.Background()
	s, err := c.Connect(ctx, &client.ExecuteRequest{
		Language:   "bash",
		Entrypoint: "main.sh",
		Files:      []client.File{{Name: "main.sh", Content: `while read -r l; do echo "got: $l"; done`}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Stdin(ctx, "first\n"); err != nil {
		log.Fatal(err)
	}
	for {
		ev, err := s.Next(ctx)
		if err == io.EOF {
			return
		}
		if err != nil {
			log.Fatal(err)
		}
		switch ev.Type {
		case client.EventStdout:
			fmt.Print(ev.Data)
			// Stop the loop once it answered.
			if err := s.Signal(ctx, "SIGINT"); err != nil {
				log.Fatal(err)
			}
		case client.EventResult:
			fmt.Println(ev.Result.Status, ev.Result.Signal) // SG SIGINT
		}
	}
}

func ExampleClient_SubmitWait() {
	c, _ := client.New("http://localhost:8000")
	ctx := context.Background()
	sub, err := c.SubmitWait(ctx, &client.SubmissionRequest{Execute: &client.ExecuteRequest{
		Language:   "c",
		Entrypoint: "main.c",
		Files:      []client.File{{Name: "main.c", Content: "int main(void) { return 3; }"}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	if !sub.Over() { // the server's wait bound passed first
		sub, err = c.Follow(ctx, sub.Token, nil)
		if err != nil {
			log.Fatal(err)
		}
	}
	res, err := sub.ExecuteResult()
	if err != nil || res == nil {
		log.Fatal("no result: ", err, sub.Error)
	}
	fmt.Println(res.Status, res.ExitCode) // RE 3
}

func ExampleClient_Runtimes() {
	c, _ := client.New("http://localhost:8000")
	rts, err := c.Runtimes(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, rt := range rts {
		fmt.Println(rt.Language, rt.Version, rt.Entrypoint, rt.Aliases)
	}
}

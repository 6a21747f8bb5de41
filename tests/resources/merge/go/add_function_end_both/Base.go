package server

import (
	"fmt"
	"os"
)

type Config struct {
	Port int
	Host string
}

const (
	ModeRead = iota
	ModeWrite
)

func ParseArgs(args []string) Config {
	c := Config{Port: 80}
	for _, a := range args {
		fmt.Println(a)
	}
	return c
}

func Run(c Config) error {
	_, err := os.Stat(c.Host)
	return err
}

module example.com/denseheap

go 1.19

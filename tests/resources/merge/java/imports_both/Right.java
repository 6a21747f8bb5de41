package app;

import java.util.List;
import java.util.Map;
import java.io.File;

public class Server {
    private int port;

    public Server(int port) {
        this.port = port;
    }

    public int start() {
        return port;
    }
}

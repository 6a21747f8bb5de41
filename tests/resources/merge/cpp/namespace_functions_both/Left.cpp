#include <string>

namespace app {

class Server {
public:
    Server(int port);
    int start();

private:
    int port_;
};

int Server::start()
{
    return port_;
}

void Server::stop()
{
    port_ = 0;
}

} // namespace app

#include <string>

namespace app {

class Server {
public:
    Server(int port);
    int start();
    int start(const std::string &s);

private:
    int port_;
};

int Server::start()
{
    return port_;
}

} // namespace app

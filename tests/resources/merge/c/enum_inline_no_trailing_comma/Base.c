enum color { RED, GREEN };

def test_login(client):
    resp = client.post("/login", data={"username": "alice", "password": "password"})
    assert resp.status_code == 401
    token = "test-token"
    assert check(token) is False
